package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/connectors/acumatica/acumaticatest"
	"github.com/syncctl/syncctl/schema/secret"
)

// Secrets of the leak test, with characters that URL encoding changes.
const (
	leakPassword     = "Pa55 w+rd/%?&x"
	leakClientSecret = "cl1ent S3cret+/="
	leakAPIToken     = "t0ken-V4lue+/=="
	leakClientID     = "88358B02-A48D-A50E-F710-39C1636C30F6@Company"
)

// runInput runs syncctl in-process with stdin.
func runInput(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// encryptCLI encrypts a value with syncctl encrypt, through stdin.
func encryptCLI(t *testing.T, value string) string {
	t.Helper()
	code, out, errOut := runInput(t, value+"\n", "encrypt")
	if code != 0 || !strings.HasPrefix(out, secret.Prefix) {
		t.Fatalf("encrypt exited %d: %s%s", code, out, errOut)
	}
	return strings.TrimSpace(out)
}

func TestEncryptCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(secret.KeyEnv, "")
	t.Setenv(secret.KeyFileEnv, "")
	t.Setenv("XDG_CONFIG_HOME", dir)

	// Without a key, encrypt says how to make one.
	code, _, errOut := runInput(t, "x", "encrypt")
	if code != exitError || !strings.Contains(errOut, "--new-key") {
		t.Fatalf("encrypt without a key: exit %d, %s", code, errOut)
	}
	code, out, _ := runInput(t, "", "encrypt", "--new-key")
	keyFile := filepath.Join(dir, "syncctl", "key")
	if code != 0 || !strings.Contains(out, keyFile) {
		t.Fatalf("encrypt --new-key: exit %d, %s", code, out)
	}
	before, _ := os.ReadFile(keyFile)
	if code, out, _ = runInput(t, "", "encrypt", "--new-key"); code != 0 ||
		!strings.Contains(out, "already exists") {
		t.Errorf("second --new-key: exit %d, %s", code, out)
	}
	if after, _ := os.ReadFile(keyFile); !bytes.Equal(before, after) {
		t.Error("second --new-key replaced the key")
	}

	ct := encryptCLI(t, leakPassword)
	key, err := secret.LoadKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := key.Open(ct); err != nil || string(plain) != leakPassword {
		t.Errorf("decrypt(encrypt(%q)) = %q, %v", leakPassword, plain, err)
	}

	code, out, errOut = runInput(t, "", "encrypt", "--value", "v")
	if code != 0 || !strings.Contains(errOut, "Warning: --value") {
		t.Errorf("encrypt --value: exit %d, %s %s", code, out, errOut)
	}
	if code, _, errOut = runInput(t, "", "encrypt"); code != exitError ||
		!strings.Contains(errOut, "empty") {
		t.Errorf("encrypt of nothing: exit %d, %s", code, errOut)
	}
}

// leakConfig is a configuration full of secrets: an encrypted Basic
// password, an encrypted OAuth client secret, an OAuth password from the
// environment and encrypted properties, each source at the highest
// HTTP log verbosity.
const leakConfig = `
variable "url" {
  type = string
}

variable "db" {
  type = string
}

variable "token_file" {
  type = string
}

source "acumatica" "basic" {
  url       = var.url
  tenant    = "Company"
  verbosity = 5
  auth "basic" {
    username = "admin"
    password = encrypted("%[1]s")
  }
  properties = {
    ReadOnly = "True"
    ApiToken = encrypted("%[3]s")
  }
}

source "acumatica" "oauth" {
  url       = var.url
  tenant    = "Company"
  verbosity = 5
  auth "oauth2" {
    client_id     = "%[4]s"
    client_secret = encrypted("%[2]s")
    grant         = "password"
    username      = "admin"
    password      = env("LEAK_TEST_PASSWORD")
    token_file    = var.token_file
  }
  properties = {
    ApiToken = encrypted("%[3]s")
  }
}

destination "duckdb" "d" {
  path = var.db
}

table "orders_basic" {
  source      = source.acumatica.basic
  destination = destination.duckdb.d
  entity      = "SalesOrders"
  primary_key = ["OrderType", "OrderNbr"]
  tracking {
    type   = "date"
    column = "LastModifiedDateTime"
  }
}

table "orders_oauth" {
  source      = source.acumatica.oauth
  destination = destination.duckdb.d
  entity      = "Customers"
}
`

// secretForms lists every spelling of the secrets a leak could take.
func secretForms() []string {
	var forms []string
	for _, s := range []string{leakPassword, leakClientSecret, leakAPIToken} {
		forms = append(forms, s, url.QueryEscape(s), url.PathEscape(s),
			base64.StdEncoding.EncodeToString([]byte(s)))
	}
	return append(forms, base64.StdEncoding.EncodeToString(
		[]byte("admin:"+leakPassword)))
}

func checkNoSecret(t *testing.T, what, text string) {
	t.Helper()
	for _, f := range secretForms() {
		if strings.Contains(text, f) {
			t.Errorf("%s shows the secret %q:\n%s", what, f, text)
		}
	}
}

// TestNoSecretLeaks runs every command at the highest verbosity against
// a configuration full of secrets, successes and failures alike, and
// checks that no secret appears in any output, nor in the database.
func TestNoSecretLeaks(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", tmp)
	key, err := secret.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(secret.KeyEnv, key.Encode())
	t.Setenv("LEAK_TEST_PASSWORD", leakPassword)
	_, _, u := acumaticatest.NewOAuthServer(t, acumaticatest.Options{
		Tenants: []string{"Company"}, Rows: 50, User: "admin",
		Password: leakPassword},
		acumaticatest.OAuthOptions{ClientID: leakClientID,
			ClientSecret: leakClientSecret, EchoForm: true})

	write := func(dir, clientSecret, password string) []string {
		t.Helper()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		src := fmt.Sprintf(leakConfig, encryptCLI(t, password),
			encryptCLI(t, clientSecret), encryptCLI(t, leakAPIToken),
			leakClientID)
		if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return []string{"--var", "url=" + u, "--var", "db=" + filepath.Join(dir, "d.duckdb"),
			"--var", "token_file=" + filepath.Join(dir, "oauth.token")}
	}
	good := filepath.Join(tmp, "good")
	goodVars := write(good, leakClientSecret, leakPassword)

	commands := [][]string{
		{"validate"},
		{"validate", "--json"},
		{"plan", "--verbosity", "2"},
		{"plan", "--json", "--verbosity", "2"},
		{"apply", "--auto-approve", "--verbosity", "2"},
		{"plan", "--verbosity", "2"},
		{"status", "--verbosity", "2"},
		{"status", "--json"},
		{"graph"},
	}
	for _, c := range commands {
		args := append([]string{"--chdir", good}, c...)
		if c[0] != "graph" {
			args = append(args, goodVars...)
		}
		code, out, errOut := runInput(t, "", args...)
		name := strings.Join(c, " ")
		if code != 0 {
			t.Errorf("%s exited %d\n%s%s", name, code, out, errOut)
		}
		checkNoSecret(t, name, out+errOut)
	}
	code, out, errOut := runInput(t, "source.acumatica.basic\nvar.url\n",
		append([]string{"--chdir", good, "console"}, goodVars...)...)
	checkNoSecret(t, fmt.Sprintf("console (exit %d)", code), out+errOut)
	for _, f := range []string{"d.duckdb", "oauth.token"} {
		data, err := os.ReadFile(filepath.Join(good, f))
		if err != nil {
			t.Errorf("%s: %v", f, err)
		}
		checkNoSecret(t, f, string(data))
	}

	// Failures: a wrong client secret, echoed back by the token
	// endpoint; a wrong password; a wrong key.
	bad := filepath.Join(tmp, "bad")
	badVars := write(bad, leakClientSecret+"x", leakPassword+"x")
	for _, c := range [][]string{{"plan", "--verbosity", "2"},
		{"apply", "--auto-approve", "--verbosity", "2"}} {
		args := append(append([]string{"--chdir", bad}, c...), badVars...)
		code, out, errOut := runInput(t, "", args...)
		if code == 0 {
			t.Errorf("%s with wrong credentials exited 0", c[0])
		}
		checkNoSecret(t, c[0]+" with wrong credentials", out+errOut)
	}
	other, _ := secret.NewKey()
	t.Setenv(secret.KeyEnv, other.Encode())
	for _, c := range [][]string{{"plan"}, {"validate", "--json"}} {
		args := append(append([]string{"--chdir", good}, c...), goodVars...)
		code, out, errOut := runInput(t, "", args...)
		flat := strings.Join(strings.Fields(out+errOut), " ")
		if code == 0 || !strings.Contains(flat,
			"the key in SYNCCTL_KEY does not match the one this value was encrypted with") {
			t.Errorf("%s with another key: exit %d\n%s%s", c[0], code, out, errOut)
		}
		checkNoSecret(t, c[0]+" with another key", out+errOut)
	}
}

// TestEncryptedOffline: validate without a key accepts encrypted values.
func TestEncryptedOffline(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	key, _ := secret.NewKey()
	ct, _ := key.Seal([]byte(leakPassword))
	t.Setenv(secret.KeyEnv, "")
	t.Setenv(secret.KeyFileEnv, "")
	src := fmt.Sprintf(leakConfig, ct, ct, ct, leakClientID)
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runInput(t, "", "--chdir", dir, "validate")
	if code != 0 {
		t.Errorf("validate without a key: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = runInput(t, "", "--chdir", dir, "plan", "--var", "url=http://127.0.0.1:1",
		"--var", "db=x", "--var", "token_file=y")
	if code == 0 || !strings.Contains(errOut, "no key") {
		t.Errorf("plan without a key: exit %d\n%s", code, errOut)
	}
}
