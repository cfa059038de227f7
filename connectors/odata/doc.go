// Package odata is a generic OData client toolkit for sources that read
// entity sets over OData v2, v3 or v4: it parses $metadata documents into
// entities with typed columns, writes filter literals and keyset filters
// in each protocol's dialect, builds and encodes query options, decodes
// JSON response bodies and OData v1-v3 ATOM feeds as streams of typed
// rows (the same values from either format), and extracts the message
// of error responses.
//
// The package knows nothing about any particular service; it performs no
// I/O of its own beyond reading the bodies it is given. The Acumatica
// source builds on it.
package odata
