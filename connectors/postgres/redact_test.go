package postgres

import (
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestRedactParseErrors checks that connection strings pgx cannot parse
// never come back in errors, whatever they hold.
func TestRedactParseErrors(t *testing.T) {
	for _, conn := range []string{
		"host=127.0.0.1 user=postgres password=Pg Secret999 dbname=x",
		"not a url PgSecret999",
		"postgres://user:PgSecret999@host:notaport/db",
	} {
		_, err := pgconn.ParseConfig(conn)
		if err == nil {
			t.Fatalf("ParseConfig(%q) succeeded; the test needs a failing string", conn)
		}
		c := &Config{URL: conn}
		got := c.redact(err)
		if strings.Contains(got.Error(), "Secret999") || strings.Contains(got.Error(), conn) {
			t.Errorf("redact(%q) = %q; it shows the connection string", conn, got)
		}
		var pce *pgconn.ParseConfigError
		if !errors.As(got, &pce) {
			t.Errorf("redact(%q) lost the wrapped error", conn)
		}
	}
}
