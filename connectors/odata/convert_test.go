package odata

import (
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
)

func TestParseTime(t *testing.T) {
	toronto, err := time.LoadLocation("America/Toronto")
	if err != nil {
		t.Fatal(err)
	}
	plus3 := time.FixedZone("", 3*3600)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2024-03-10T01:02:03.1234567-05:00",
			time.Date(2024, 3, 10, 6, 2, 3, 123456700, time.UTC)},
		{"2025-12-01T12:34:56+03:00", time.Date(2025, 12, 1, 12, 34, 56, 0, plus3)},
		{"2024-01-01T00:00:00Z", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"2024-01-01T00:00:00.5+00:00", time.Date(2024, 1, 1, 0, 0, 0, 5e8, time.UTC)},
		{"2024-01-01T00:00:00.123456789Z", time.Date(2024, 1, 1, 0, 0, 0, 123456789, time.UTC)},
		{"2024-01-01T10:20+0530", time.Date(2024, 1, 1, 4, 50, 0, 0, time.UTC)},
		{"2024-07-01T12:00:00", time.Date(2024, 7, 1, 12, 0, 0, 0, toronto)},
		{"2024-07-01T12:00", time.Date(2024, 7, 1, 12, 0, 0, 0, toronto)},
		{"2024-07-01", time.Date(2024, 7, 1, 0, 0, 0, 0, toronto)},
		{"/Date(1700000000000)/", time.Date(2023, 11, 14, 22, 13, 20, 0, toronto)},
		{"/Date(1700000000000+0100)/", time.Unix(1700000000, 0)},
		{"/Date(-1000)/", time.Date(1969, 12, 31, 23, 59, 59, 0, toronto)},
	}
	for _, tt := range tests {
		got, err := parseTime([]byte(tt.in), toronto, zoneCache{})
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "2024", "2024-13-01", "2023-02-29",
		"2024-01-01T25:00:00Z", "2024-01-01T10:00:00+", "2024-01-01T10:00:00.Z",
		"2024-01-01T00:00:00.1234567891Z", "2024-01-01 garbage", "/Date(x)/",
		"/Date(1)"} {
		if got, err := parseTime([]byte(in), time.UTC, zoneCache{}); err == nil {
			t.Errorf("parseTime(%q) = %v; want error", in, got)
		}
	}
}

func TestParseTimeKeepsOffset(t *testing.T) {
	zones := zoneCache{}
	a, _ := parseTime([]byte("2024-03-10T01:02:03-05:00"), time.UTC, zones)
	b, _ := parseTime([]byte("2024-03-10T09:02:03-05:00"), time.UTC, zones)
	if _, off := a.Zone(); off != -5*3600 {
		t.Errorf("offset = %d; want -18000", off)
	}
	if a.Location() != b.Location() {
		t.Error("equal offsets do not share a location")
	}
	if got := a.Format(v4TimeLayout); got != "2024-03-10T01:02:03-05:00" {
		t.Errorf("round trip = %s", got)
	}
}

func TestParseDecimal(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0", "0"},
		{"1999.000000", "1999.000000"},
		{"-12.5", "-12.5"},
		{"+7", "7"},
		{"0.0001", "0.0001"},
		{"000123.40", "123.40"},
		{"99999999999999.99999", "99999999999999.99999"},
		{"1234567890123456789012345.6789", "1234567890123456789012345.6789"},
		{"18446744073709551615", "18446744073709551615"},
		{"1.5e3", "1.5E+3"},
		{"-1E-2", "-0.01"},
	}
	for _, tt := range tests {
		var d apd.Decimal
		if err := parseDecimal([]byte(tt.in), &d); err != nil {
			t.Errorf("parseDecimal(%q) = %v", tt.in, err)
			continue
		}
		var want apd.Decimal
		want.SetString(tt.want)
		if d.Cmp(&want) != 0 || d.Exponent != want.Exponent {
			t.Errorf("parseDecimal(%q) = %s (exp %d); want %s (exp %d)",
				tt.in, d.String(), d.Exponent, want.String(), want.Exponent)
		}
	}
	for _, in := range []string{"", "-", ".", "1.2.3", "12,5",
		"NaN", "Infinity", "1e", "0x10", "1 "} {
		var d apd.Decimal
		if err := parseDecimal([]byte(in), &d); err == nil {
			t.Errorf("parseDecimal(%q) = %s; want error", in, d.String())
		}
	}
}

func TestParseInt(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "-1": -1, "+5": 5,
		"9223372036854775807": 1<<63 - 1, "-9223372036854775808": -1 << 63} {
		if got, err := parseInt([]byte(in)); err != nil || got != want {
			t.Errorf("parseInt(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-", "1.0", "1e3", "9223372036854775808",
		"99999999999999999999999"} {
		if got, err := parseInt([]byte(in)); err == nil {
			t.Errorf("parseInt(%q) = %d; want error", in, got)
		}
	}
}

func TestParseGUIDAndBinary(t *testing.T) {
	want := [16]byte{0x0f, 0x8f, 0xad, 0x5b, 0xd9, 0xcb, 0x46, 0x9f, 0xa1,
		0x65, 0x70, 0x86, 0x77, 0x28, 0x95, 0x0e}
	for _, in := range []string{"0f8fad5b-d9cb-469f-a165-70867728950e",
		"{0F8FAD5B-D9CB-469F-A165-70867728950E}"} {
		if got, err := parseGUID([]byte(in)); err != nil || got != want {
			t.Errorf("parseGUID(%q) = %x, %v", in, got, err)
		}
	}
	if got := formatGUID(want); got != "0f8fad5b-d9cb-469f-a165-70867728950e" {
		t.Errorf("formatGUID = %s", got)
	}
	for _, in := range []string{"0f8fad5b-d9cb-469f-a165-70867728950", "0f8fad5bd9cb469fa16570867728950e0000",
		"0f8fad5b-d9cb-469f-a165-70867728950g"} {
		if _, err := parseGUID([]byte(in)); err == nil {
			t.Errorf("parseGUID(%q) succeeded", in)
		}
	}
	for in, want := range map[string]string{"AAAAAAAAB9E=": "\x00\x00\x00\x00\x00\x00\x07\xd1",
		"-_8=": "\xfb\xff", "-_8": "\xfb\xff", "+/8=": "\xfb\xff", "": ""} {
		if got, err := parseBinary([]byte(in)); err != nil || string(got) != want {
			t.Errorf("parseBinary(%q) = %x, %v", in, got, err)
		}
	}
}
