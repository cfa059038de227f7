package acumatica

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryableStatus(t *testing.T) {
	tests := []struct {
		code int
		msg  string
		want bool
	}{
		{429, "", true},
		{502, "", true},
		{503, "", true},
		{504, "", true},
		{500, "The server is busy. Please try again later.", true},
		{500, "Transaction (Process ID 61) was deadlocked", true},
		{500, "Error: Invalid credentials. Please try again.", false},
		{500, "Optimization cannot be performed.", false},
		{400, "try again", false},
		{404, "", false},
	}
	for _, tt := range tests {
		if got := retryableStatus(tt.code, tt.msg); got != tt.want {
			t.Errorf("retryableStatus(%d, %q) = %v; want %v", tt.code,
				tt.msg, got, tt.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	future := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	if got := retryAfter("7"); got != 7*time.Second {
		t.Errorf("retryAfter(7) = %v", got)
	}
	if got := retryAfter(future); got < 85*time.Second || got > 90*time.Second {
		t.Errorf("retryAfter(%s) = %v; want about 90s", future, got)
	}
	for _, h := range []string{"", "-3", "soon", past} {
		if got := retryAfter(h); got != 0 {
			t.Errorf("retryAfter(%q) = %v; want 0", h, got)
		}
	}
}

func TestBackoff(t *testing.T) {
	c := &client{retry: retryPolicy{attempts: 5, base: time.Second,
		max: 10 * time.Second}}
	for attempt, limit := range map[int]time.Duration{1: time.Second,
		2: 2 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second,
		70: 10 * time.Second} {
		for range 20 {
			if d := c.backoff(attempt); d < limit/2 || d > limit {
				t.Errorf("backoff(%d) = %v; want within [%v, %v]", attempt,
					d, limit/2, limit)
			}
		}
	}
}

func TestRedactAndShow(t *testing.T) {
	cfg := &Config{URL: "https://secret.example.com/Acu%20ERP",
		TenantName: "Company",
		Auth:       Auth{Username: "admin", Password: "p@ss word"},
		sensitive:  map[string]bool{"url": true}}
	c := &client{cfg: cfg}
	in := "echo: p@ss word p%40ss+word p@ss%20word YWRtaW46cEBzcyB3b3Jk"
	if got := c.redact(in); got != "echo: (sensitive) (sensitive) "+
		"(sensitive) (sensitive)" {
		t.Errorf("redact = %q", got)
	}
	if got := cfg.show(cfg.URL + "/t/Company/api/odata/gi/$metadata"); got !=
		"(sensitive url)/t/Company/api/odata/gi/$metadata" {
		t.Errorf("show = %q", got)
	}
	if got := cfg.show("https://secret.example.com"); got != "(sensitive url)" {
		t.Errorf("show(host) = %q", got)
	}
	cfg.sensitive = nil
	if got := cfg.show(cfg.URL + "/t/Sub%20Co/x?$filter=A%20gt%202%2B1"); got !=
		"https://secret.example.com/Acu ERP/t/Sub Co/x?$filter=A gt 2+1" {
		t.Errorf("show = %q", got)
	}
}
