package odata

import (
	"errors"
	"testing"
)

func TestParseErrorBody(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"error":{"code":"","message":"The query specified in the URI is not valid. Could not find a property named 'X' on type 'Y'.","innererror":{"message":"inner"}}}`,
			"The query specified in the URI is not valid. Could not find a property named 'X' on type 'Y'."},
		{`{"error":{"code":"BadRequest","message":"Bad filter"}}`, "Bad filter (BadRequest)"},
		{`{"error":{"code":"","message":"","innererror":{"message":"only inner"}}}`, "only inner"},
		{`{"odata.error":{"code":"","message":{"lang":"en-US","value":"Resource not found for the segment 'Foo'."}}}`,
			"Resource not found for the segment 'Foo'."},
		{`{"error":{"code":"42","message":{"lang":"en-US","value":"v3 shape"}}}`, "v3 shape (42)"},
		{`{"message":"An error has occurred.","exceptionMessage":"Optimization cannot be performed.","exceptionType":"X"}`,
			"Optimization cannot be performed."},
		{`{"message":"Authorization has been denied for this request."}`,
			"Authorization has been denied for this request."},
		{"<!DOCTYPE html>\n<html><head><title>\n  Acumatica &amp; Co: Sign In\n</title></head></html>",
			"HTML page: Acumatica & Co: Sign In"},
		{"<html><body>oops</body></html>", "HTML page without a title"},
		{`<?xml version="1.0"?><m:error xmlns:m="x"><m:code>c1</m:code><m:message xml:lang="en-US">Not found</m:message></m:error>`,
			"Not found (c1)"},
		{"\xef\xbb\xbfThe custom error module does not recognize this error.\r\nmore",
			"The custom error module does not recognize this error."},
	}
	for _, tt := range tests {
		err := ParseErrorBody([]byte(tt.body))
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseErrorBody(%q) = %v; want %q", tt.body, err, tt.want)
		}
	}
	if err := ParseErrorBody([]byte(" \n")); !errors.Is(err, ErrEmptyBody) {
		t.Errorf("ParseErrorBody(blank) = %v; want ErrEmptyBody", err)
	}
	if err := ParseErrorBody([]byte(`{"value":[]}`)); err != nil {
		t.Errorf("ParseErrorBody(no error) = %v; want nil", err)
	}
}
