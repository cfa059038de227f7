package secret

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// Environment variables that say where the key is.
const (
	// KeyEnv holds the key itself, as base64.
	KeyEnv = "SYNCCTL_KEY"
	// KeyFileEnv names the key file.
	KeyFileEnv = "SYNCCTL_KEY_FILE"
)

// Lookup reads an environment variable, like os.LookupEnv.
type Lookup func(name string) (string, bool)

func (l Lookup) get(name string) string {
	if l == nil {
		l = os.LookupEnv
	}
	v, _ := l(name)
	return v
}

// ConfigDir returns syncctl's directory in the user's configuration
// directory: $XDG_CONFIG_HOME/syncctl, else ~/.config/syncctl, else the
// system's per-user configuration directory.
func ConfigDir(lookup Lookup) (string, error) {
	if d := lookup.get("XDG_CONFIG_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "syncctl"), nil
	}
	if h := lookup.get("HOME"); h != "" && runtime.GOOS != "windows" {
		return filepath.Join(h, ".config", "syncctl"), nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "syncctl"), nil
}

// KeyFile returns the key file's path: $SYNCCTL_KEY_FILE, or key in
// ConfigDir. explicit is true when the environment named it.
func KeyFile(lookup Lookup) (path string, explicit bool, err error) {
	if p := lookup.get(KeyFileEnv); p != "" {
		return p, true, nil
	}
	dir, err := ConfigDir(lookup)
	if err != nil {
		return "", false, fmt.Errorf("find the key file: %w", err)
	}
	return filepath.Join(dir, "key"), false, nil
}

// LoadKey returns the configured key: SYNCCTL_KEY when set, else the key
// file. Without either it returns an *Error of kind ErrNoKey.
func LoadKey(lookup Lookup) (*Key, error) {
	if v := lookup.get(KeyEnv); v != "" {
		return ParseKey(v, KeyEnv)
	}
	path, explicit, err := KeyFile(lookup)
	if err != nil {
		return nil, err
	}
	from := "key file " + path
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return nil, &Error{Kind: ErrNoKey, Msg: fmt.Sprintf("no key: set "+
			"%s, or create the key file %s with syncctl encrypt "+
			"--new-key", KeyEnv, path)}
	}
	if err != nil {
		return nil, fmt.Errorf("read the key: %w", err)
	}
	if err := checkMode(path); err != nil {
		return nil, err
	}
	return ParseKey(string(data), from)
}

// checkMode refuses a key file that others may read.
func checkMode(path string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if m := fi.Mode().Perm(); m&0o077 != 0 {
		return fmt.Errorf("the key file %s can be read by other users "+
			"(mode %04o); restrict it with chmod 600 %s", path, m, path)
	}
	return nil
}

// CreateKeyFile writes a new key to path, with mode 0600, creating its
// directory with mode 0700. It refuses to replace an existing file, so
// values encrypted with the old key stay readable.
func CreateKeyFile(path string) (*Key, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	k, err := NewKey()
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("the key file %s already exists; values "+
			"encrypted with it would become unreadable if it were "+
			"replaced, so it is kept", path)
	}
	if err != nil {
		return nil, err
	}
	_, err = f.WriteString(k.Encode() + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, err
	}
	k.from = "key file " + path
	return k, nil
}

// WriteFileAtomic replaces path with data: it writes a temporary file
// beside it with mode perm, syncs it and renames it over path, so that
// readers see the old or the new content, never a mix.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(perm); err != nil && runtime.GOOS != "windows" {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	return nil
}
