package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran and failed
	exitUsage = 2 // the command line is wrong
)

// command is one subcommand. run returns an error to report; a usageError
// exits 2, anything else 1.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the issuer API", serve},
		{"migrate", "bring the database schema up to date", migrate},
		{"backup", "copy the SQLite database while the issuer serves (checked, mode 0600)", backup},
		{"prune", "delete what the retention rules say is no longer needed (-dry-run counts)", prune},
		{"keys init", "write a fresh set of token and seal keys into a folder", keysInit},
		{"keys rotate", "add the next token and seal keys (published first), or -prune retired ones", keysRotate},
		{"keys pan", "write a fresh card-number hashing key", keysPAN},
		{"keys vault", "write a fresh key for the seed vault", keysVault},
		{"cardholder add", "enroll a card: contact details, method, personal message", cardholderAdd},
		{"cardholder list", "list enrolled cards (masked), with their locked credentials", cardholderList},
		{"cardholder show", "show a card's method and credentials", cardholderShow},
		{"cardholder unlock", "unlock a card's locked credentials", cardholderUnlock},
		{"cardholder portal-password", "set a card's portal password (printed once when made here)", cardholderPortalPassword},
		{"authentication show", "explain one authentication's risk decision: score, rules, signals", authenticationShow},
		{"merchant add", "add a merchant and print its API key (once)", merchantAdd},
		{"merchant origins", "list, add or remove a merchant's origins", merchantOrigins},
		{"merchant names", "list or set the names cardholders are shown for a merchant", merchantNames},
		{"merchant list", "list the merchants", merchantList},
		{"merchant watch list", "list the merchants on the risk watch list", merchantWatchList},
		{"merchant watch add", "put a merchant on the risk watch list", merchantWatchAdd},
		{"merchant watch remove", "take a merchant off the risk watch list", merchantWatchRemove},
		// The risk group (risk.go). A longer name goes before its prefix:
		// the first command whose words start the command line runs.
		{"risk denylist remove", "take an entry off the risk deny list", riskDenylistRemove},
		{"risk denylist", "list the risk deny list: what cardholders' fraud reports named, until when", riskDenylist},
		{"risk replay", "run a candidate risk configuration over the decisions made, beside the current one", riskReplay},
		{"ranges list", "list the card-number ranges this issuer serves", rangesList},
		{"ranges add", "add a card-number range (BIN prefix or span), eligible or not", rangesAdd},
		{"ranges remove", "remove a card-number range", rangesRemove},
		{"ranges export", "print the ranges for a card scheme's Directory Server (EMV 3-D Secure)", rangesExport},
		{"emv list", "list the EMV 3-D Secure transactions and the RReqs owed to the Directory Server", emvList},
		{"outbox retry", "send a failed notice again", outboxRetry},
		{"outbox", "list the messages pending or failed", outboxList},
		{"token import", "import hardware tokens from PSKC or CSV", tokenImport},
		{"token assign", "assign a token to a card (at most 2)", tokenAssign},
		{"token lock", "lock a token", tokenState(true)},
		{"token unlock", "unlock a token", tokenState(false)},
		{"token list", "list the imported tokens", tokenList},
		{"app issue", "issue an authenticator-app registration ID and mail its password", appIssue},
		{"av rotate", "add the next authentication-value key (the old ones still verify)", avRotate},
		{"av verify", "check an authentication value for a card, amount and currency", avVerify},
		{"demo seed", "add the demo merchant and cardholders (idempotent)", demoSeed},
	}
}

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// errHelp means help was asked for and printed.
var errHelp = errors.New("help")

// run runs the command line args and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		if len(args) == 0 {
			printUsage(stderr)
			return exitUsage
		}
		printUsage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		words := strings.Fields(c.name)
		if len(args) < len(words) || strings.Join(args[:len(words)], " ") != c.name {
			continue
		}
		err := c.run(ctx, args[len(words):], stdout, stderr)
		var ue usageError
		switch {
		case err == nil, errors.Is(err, errHelp):
			return exitOK
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "issuer %s: %v\nrun 'issuer %s -h' for usage\n", c.name, err, c.name)
			return exitUsage
		default:
			fmt.Fprintf(stderr, "issuer %s: %v\n", c.name, err)
			return exitFail
		}
	}
	if group, help := groupOf(args); group != "" {
		// A group of commands (issuer cardholder, issuer merchant watch):
		// its subcommands, as asked for with -h, or as the usage error
		// of a command line that stopped at the group.
		if help {
			printGroup(stdout, group)
			return exitOK
		}
		fmt.Fprintf(stderr, "issuer %s: name one of its commands\n\n", group)
		printGroup(stderr, group)
		return exitUsage
	}
	fmt.Fprintf(stderr, "issuer: unknown command %q\n\n", strings.Join(args, " "))
	printUsage(stderr)
	return exitUsage
}

// groupOf returns the group of commands args name ("cardholder",
// "merchant watch") when they name one and nothing else but, last, a
// help flag, and whether help was asked for; "" when they do not.
func groupOf(args []string) (group string, help bool) {
	words := args
	if n := len(words); n > 0 && slices.Contains([]string{"-h", "-help", "--help", "help"}, words[n-1]) {
		words, help = words[:n-1], true
	}
	if len(words) == 0 {
		return "", false
	}
	g := strings.Join(words, " ")
	for _, c := range commands() {
		if strings.HasPrefix(c.name, g+" ") {
			return g, help
		}
	}
	return "", false
}

// printGroup lists the commands of group.
func printGroup(w io.Writer, group string) {
	fmt.Fprintf(w, "usage: issuer %s <command> [flags]\n\ncommands:\n", group)
	width := 0
	for _, c := range commands() {
		if strings.HasPrefix(c.name, group+" ") {
			width = max(width, len(c.name))
		}
	}
	for _, c := range commands() {
		if strings.HasPrefix(c.name, group+" ") {
			fmt.Fprintf(w, "  %-*s  %s\n", width, c.name, c.summary)
		}
	}
	fmt.Fprintf(w, "\nrun 'issuer %s <command> -h' for the flags of one\n", group)
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: issuer <command> [flags]\n\ncommands:")
	width := 0
	for _, c := range commands() {
		width = max(width, len(c.name))
	}
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.name, c.summary)
	}
	fmt.Fprintln(w, "\nrun 'issuer <command> -h' for the flags of one")
}

// flags is a subcommand's flag set. Help goes to stdout (it was asked
// for), errors to the caller.
type flags struct {
	*flag.FlagSet
	name, synopsis string
	stdout         io.Writer
}

func newFlags(name, synopsis string, stdout io.Writer) *flags {
	fs := flag.NewFlagSet("issuer "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return &flags{FlagSet: fs, name: name, synopsis: synopsis, stdout: stdout}
}

// parse parses args, printing the usage for -h (returning errHelp) and
// refusing positional arguments.
func (f *flags) parse(args []string) error {
	err := f.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(f.stdout, "usage: issuer %s [flags]\n\n%s\n\nflags:\n", f.name, f.synopsis)
		f.SetOutput(f.stdout)
		f.PrintDefaults()
		return errHelp
	}
	if err != nil {
		return usageError{err.Error()}
	}
	if f.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected arguments %q", f.Args())}
	}
	return nil
}

// env returns the environment variable key, or def when it is unset, as
// the default of a flag: the flag given on the command line still wins.
func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

// multi is a flag that may be given several times.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }
