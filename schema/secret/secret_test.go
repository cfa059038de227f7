package secret

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func newTestKey(t *testing.T) *Key {
	t.Helper()
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRoundTrip(t *testing.T) {
	k := newTestKey(t)
	for _, plain := range []string{"", "s3cret", "pässwörd with spaces %20+/",
		strings.Repeat("x", 10000)} {
		ct, err := k.Seal([]byte(plain))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(ct, Prefix) || strings.Contains(ct, plain) && plain != "" {
			t.Errorf("Seal(%q) = %q", plain, ct)
		}
		got, err := k.Open(ct)
		if err != nil || string(got) != plain {
			t.Errorf("Open(Seal(%q)) = %q, %v", plain, got, err)
		}
	}
	a, _ := k.Seal([]byte("same"))
	b, _ := k.Seal([]byte("same"))
	if a == b {
		t.Error("two encryptions of one value are equal: nonces repeat")
	}
}

func TestParseKey(t *testing.T) {
	k := newTestKey(t)
	raw := k.bytes[:]
	for _, text := range []string{k.Encode(), k.Encode() + "\n",
		base64.RawStdEncoding.EncodeToString(raw),
		base64.URLEncoding.EncodeToString(raw)} {
		p, err := ParseKey(text, "test")
		if err != nil || p.bytes != k.bytes {
			t.Errorf("ParseKey(%q) = %v, %v", text, p, err)
		}
	}
	for _, text := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(raw[:16])} {
		if _, err := ParseKey(text, "SYNCCTL_KEY"); !errors.Is(err, ErrFormat) ||
			!strings.Contains(err.Error(), "SYNCCTL_KEY") {
			t.Errorf("ParseKey(%q) error = %v; want ErrFormat naming SYNCCTL_KEY", text, err)
		}
	}
}

func TestWrongKey(t *testing.T) {
	ct, _ := newTestKey(t).Seal([]byte("s3cret"))
	other, _ := ParseKey(newTestKey(t).Encode(), KeyEnv)
	_, err := other.Open(ct)
	if !errors.Is(err, ErrWrongKey) {
		t.Fatalf("Open with another key: %v; want ErrWrongKey", err)
	}
	want := "the key in SYNCCTL_KEY does not match the one this value was encrypted with"
	if err.Error() != want {
		t.Errorf("error = %q; want %q", err, want)
	}
}

func TestTampering(t *testing.T) {
	k := newTestKey(t)
	ct, _ := k.Seal([]byte("s3cret"))
	raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(ct, Prefix))
	for i := idSize; i < len(raw); i++ {
		bad := append([]byte(nil), raw...)
		bad[i] ^= 0x01
		_, err := k.Open(Prefix + base64.RawURLEncoding.EncodeToString(bad))
		if !errors.Is(err, ErrDamaged) {
			t.Fatalf("byte %d flipped: Open error = %v; want ErrDamaged", i, err)
		}
	}
	cut := Prefix + base64.RawURLEncoding.EncodeToString(raw[:len(raw)-1])
	if _, err := k.Open(cut); !errors.Is(err, ErrDamaged) {
		t.Errorf("truncated: %v; want ErrDamaged", err)
	}
	// A flipped key identifier reads as another key.
	bad := append([]byte(nil), raw...)
	bad[0] ^= 0x01
	if _, err := k.Open(Prefix + base64.RawURLEncoding.EncodeToString(bad)); !errors.Is(err, ErrWrongKey) {
		t.Errorf("identifier changed: %v; want ErrWrongKey", err)
	}
}

func TestCheck(t *testing.T) {
	ct, _ := newTestKey(t).Seal([]byte("x"))
	tests := []struct {
		text string
		want error
	}{
		{ct, nil},
		{"s3cret", ErrFormat},
		{"syncctl:v2:abc", ErrFormat},
		{Prefix + "%%%", ErrDamaged},
		{Prefix + "YWJj", ErrDamaged},
	}
	for _, tt := range tests {
		if err := Check(tt.text); !errors.Is(err, tt.want) && err != tt.want {
			t.Errorf("Check(%q) = %v; want %v", tt.text, err, tt.want)
		}
	}
}

func TestKeyHidden(t *testing.T) {
	k := newTestKey(t)
	s := fmt.Sprintf("%v %+v %#v %s", k, k, k, k)
	if strings.Contains(s, k.Encode()) {
		t.Errorf("formatting shows the key: %s", s)
	}
}

func env(m map[string]string) Lookup {
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "conf", "syncctl", "key")

	// Nothing configured.
	_, err := LoadKey(env(map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "conf")}))
	if !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), path) {
		t.Fatalf("LoadKey without a key: %v; want ErrNoKey naming %s", err, path)
	}

	// The default key file.
	k, err := CreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		fi, _ := os.Stat(path)
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("key file mode = %v; want 0600", fi.Mode().Perm())
		}
	}
	if _, err := CreateKeyFile(path); err == nil {
		t.Error("CreateKeyFile replaced an existing key")
	}
	got, err := LoadKey(env(map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "conf")}))
	if err != nil || got.bytes != k.bytes {
		t.Fatalf("LoadKey from the key file = %v, %v", got, err)
	}

	// SYNCCTL_KEY wins over the file; SYNCCTL_KEY_FILE names another file.
	other := newTestKey(t)
	got, err = LoadKey(env(map[string]string{KeyEnv: other.Encode(),
		KeyFileEnv: path}))
	if err != nil || got.bytes != other.bytes || got.From() != KeyEnv {
		t.Errorf("LoadKey with SYNCCTL_KEY = %v, %v", got, err)
	}
	_, err = LoadKey(env(map[string]string{KeyFileEnv: filepath.Join(dir, "missing")}))
	if err == nil || errors.Is(err, ErrNoKey) {
		t.Errorf("LoadKey with a missing SYNCCTL_KEY_FILE = %v; want a read error", err)
	}

	if runtime.GOOS != "windows" {
		os.Chmod(path, 0o644)
		_, err = LoadKey(env(map[string]string{KeyFileEnv: path}))
		if err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("LoadKey of a world-readable key file = %v; want a refusal", err)
		}
	}
}

func TestWriteFileAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d", "f")
	for _, s := range []string{"one", "two"} {
		if err := WriteFileAtomic(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(path)
		if string(got) != s {
			t.Errorf("file = %q; want %q", got, s)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d files; want 1 (no temporary left)", len(entries))
	}
}
