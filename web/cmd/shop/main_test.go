package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadAPIKey(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // WriteFile's mode passes through the umask
			t.Fatal(err)
		}
		return p
	}
	private, loose := file("private", "hk_file\n", 0o600), file("loose", "hk_file\n", 0o644)
	tests := []struct {
		name, file, env string
		want            string // the key, or a part of the error
		ok              bool
	}{
		{"file", private, "", "hk_file", true},
		{"file before the environment", private, "hk_env", "hk_file", true},
		{"environment", "", "hk_env", "hk_env", true},
		{"file open to others", loose, "hk_env", "chmod 600 " + loose, false},
		{"empty file", file("empty", " \n", 0o600), "", "is empty", false},
		{"missing file", filepath.Join(dir, "none"), "", "no such file", false},
		{"neither", "", "", "-api-key-file or set HONNIN_SHOP_API_KEY", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HONNIN_SHOP_API_KEY", tt.env)
			key, err := readAPIKey(tt.file)
			if tt.ok && (err != nil || key != tt.want) {
				t.Errorf("readAPIKey = %q, %v; want %q", key, err, tt.want)
			}
			if !tt.ok && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("readAPIKey = %q, %v; want an error saying %q", key, err, tt.want)
			}
		})
	}
}
