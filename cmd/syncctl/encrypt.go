package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/syncctl/syncctl/schema/secret"
)

// maxSecret bounds what encrypt reads from standard input.
const maxSecret = 64 << 10

// encryptFlags are the flags of syncctl encrypt.
type encryptFlags struct {
	value  string
	newKey bool
}

func runEncrypt(_ context.Context, e *env, args []string) int {
	fs, help := newFlags(e, "encrypt")
	var f encryptFlags
	fs.StringVar(&f.value, "value", "", "encrypt `TEXT` instead of reading standard input (it stays in shell history: avoid)")
	fs.BoolVar(&f.newKey, "new-key", false, "create the key file (mode 0600) if none exists, and exit")
	usage := "syncctl encrypt [--new-key] [--value TEXT] < secret\n\n" +
		"Reads a secret on standard input and prints it encrypted, for\n" +
		"encrypted(\"...\") in the configuration. The key comes from\n" +
		"SYNCCTL_KEY (base64 of 32 bytes) or the key file (SYNCCTL_KEY_FILE,\n" +
		"by default ~/.config/syncctl/key)."
	if done, code := parseFlags(e, fs, help, args, usage); done {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "Error: encrypt takes no arguments; pipe the secret on standard input.\n")
		return exitError
	}
	if f.newKey {
		return newKey(e)
	}

	key, err := secret.LoadKey(nil)
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: %s.\n", err)
		return exitError
	}
	plain := []byte(f.value)
	if fs.Changed("value") {
		fmt.Fprintln(e.stderr, "Warning: --value leaves the secret in shell history and the process list; pipe it on standard input instead.")
	} else if plain, err = readSecret(e); err != nil {
		fmt.Fprintf(e.stderr, "Error: %s.\n", err)
		return exitError
	}
	ct, err := key.Seal(plain)
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: %s.\n", err)
		return exitError
	}
	fmt.Fprintln(e.stdout, ct)
	return exitOK
}

// readSecret reads the secret from standard input: without echo from a
// terminal, else all of it, less one final line ending.
func readSecret(e *env) ([]byte, error) {
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.stderr, "Value to encrypt (not shown): ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return nil, fmt.Errorf("read the value: %w", err)
		}
		return b, nil
	}
	b, err := io.ReadAll(io.LimitReader(e.stdin, maxSecret+1))
	if err != nil {
		return nil, fmt.Errorf("read standard input: %w", err)
	}
	if len(b) > maxSecret {
		return nil, fmt.Errorf("standard input holds more than %d KiB; encrypt secrets, not files", maxSecret>>10)
	}
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	if len(b) == 0 {
		return nil, errors.New("standard input is empty; pipe the secret in, for example: printf %s \"$SECRET\" | syncctl encrypt")
	}
	return b, nil
}

// newKey creates the key file unless it exists.
func newKey(e *env) int {
	path, _, err := secret.KeyFile(nil)
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: %s.\n", err)
		return exitError
	}
	if _, err := os.Stat(path); err == nil {
		fmt.Fprintf(e.stdout, "The key file %s already exists; it is kept.\n", path)
		return exitOK
	}
	if _, err := secret.CreateKeyFile(path); err != nil {
		fmt.Fprintf(e.stderr, "Error: %s.\n", err)
		return exitError
	}
	fmt.Fprintf(e.stdout, "Created the key file %s (mode 0600).\n", path)
	fmt.Fprintln(e.stdout, "Keep a copy in a safe place: values encrypted with it cannot be read without it.")
	if v, ok := os.LookupEnv(secret.KeyEnv); ok && v != "" {
		fmt.Fprintf(e.stderr, "Warning: %s is set and takes precedence over the key file.\n", secret.KeyEnv)
	}
	return exitOK
}
