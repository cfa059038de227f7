package odata

import (
	"bytes"
	"encoding/json"
	"html"
	"regexp"
	"strings"
)

// ServiceError is an error a service described in a response body.
type ServiceError struct {
	// Code is the OData error code, often empty.
	Code string
	// Message is the most specific message the body holds.
	Message string
}

// Error returns the message, with the code when it adds something.
func (e *ServiceError) Error() string {
	if e.Code != "" && !strings.Contains(e.Message, e.Code) {
		return e.Message + " (" + e.Code + ")"
	}
	return e.Message
}

// ParseErrorBody extracts the error an HTTP response body describes. It
// understands OData JSON errors ({"error":{"code","message"}} and v3's
// {"odata.error":{"message":{"value"}}}), ASP.NET errors as Acumatica
// writes them ({"message","exceptionMessage"}), OData XML errors, HTML
// pages (their <title>) and plain text. An empty body gives ErrEmptyBody;
// a body it cannot make sense of gives nil.
func ParseErrorBody(body []byte) error {
	body = bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	if len(body) == 0 {
		return ErrEmptyBody
	}
	switch body[0] {
	case '{':
		if e := jsonError(body); e != nil {
			return e
		}
		return nil
	case '<':
		return markupError(body)
	}
	return &ServiceError{Message: firstLine(string(body))}
}

// jsonErrorBody covers the JSON error shapes services send.
type jsonErrorBody struct {
	Error *struct {
		Code       string          `json:"code"`
		Message    json.RawMessage `json:"message"`
		InnerError *struct {
			Message string `json:"message"`
		} `json:"innererror"`
	} `json:"error"`
	ODataError *struct {
		Code    string `json:"code"`
		Message struct {
			Value string `json:"value"`
		} `json:"message"`
	} `json:"odata.error"`
	Message          string `json:"message"`
	ExceptionMessage string `json:"exceptionMessage"`
}

func jsonError(body []byte) *ServiceError {
	var b jsonErrorBody
	if err := json.Unmarshal(body, &b); err != nil {
		return nil
	}
	switch {
	case b.Error != nil:
		e := &ServiceError{Code: b.Error.Code}
		// v4 writes the message as a string, v3 as {"value": ...}.
		var s string
		var v struct {
			Value string `json:"value"`
		}
		if json.Unmarshal(b.Error.Message, &s) == nil {
			e.Message = s
		} else if json.Unmarshal(b.Error.Message, &v) == nil {
			e.Message = v.Value
		}
		if e.Message == "" && b.Error.InnerError != nil {
			e.Message = b.Error.InnerError.Message
		}
		return e
	case b.ODataError != nil:
		return &ServiceError{Code: b.ODataError.Code,
			Message: b.ODataError.Message.Value}
	case b.ExceptionMessage != "":
		return &ServiceError{Message: b.ExceptionMessage}
	case b.Message != "":
		return &ServiceError{Message: b.Message}
	}
	return nil
}

var (
	titleRe   = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	messageRe = regexp.MustCompile(`(?is)<(?:\w+:)?message[^>]*>(.*?)</(?:\w+:)?message>`)
	codeRe    = regexp.MustCompile(`(?is)<(?:\w+:)?code[^>]*>(.*?)</(?:\w+:)?code>`)
	spaceRe   = regexp.MustCompile(`\s+`)
)

// markupError reads an XML OData error or an HTML page.
func markupError(body []byte) error {
	if m := messageRe.FindSubmatch(body); m != nil {
		e := &ServiceError{Message: clean(m[1])}
		if c := codeRe.FindSubmatch(body); c != nil {
			e.Code = clean(c[1])
		}
		return e
	}
	if m := titleRe.FindSubmatch(body); m != nil {
		if t := clean(m[1]); t != "" {
			return &ServiceError{Message: "HTML page: " + t}
		}
	}
	return &ServiceError{Message: "HTML page without a title"}
}

func clean(b []byte) string {
	s := html.UnescapeString(string(b))
	return strings.TrimSpace(spaceRe.ReplaceAllString(s, " "))
}

// firstLine keeps the start of a plain-text body.
func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
