// Package acumatica is the "acumatica" source: it reads entity sets of
// one Acumatica ERP tenant over OData (generic inquiries or DACs, OData
// v4 or the legacy v3 interface) and hands their rows to the engine.
//
// It decodes and validates the `source "acumatica"` block, builds the
// tenant's service URL, signs in with Basic auth once and then reuses the
// session cookies, or with OAuth 2.0 bearer tokens kept encrypted in a token
// file (the password grant signs in by itself; the authorization-code grant
// needs a person once, through Login, which syncctl login drives), retries
// throttled and failed requests with backoff, and pages by keyset (never by
// $skip), so that a read can resume after any row. The OData mechanics live
// in package odata; the test double of the service lives in acumaticatest.
package acumatica
