// Package odata is a generic OData client toolkit for sources that read
// entity sets over OData v2, v3 or v4: it parses $metadata documents into
// entities with typed columns, writes filter literals and keyset filters
// in each protocol's dialect, builds and encodes query options, decodes
// JSON response bodies as a stream of typed rows, and extracts the
// message of error responses.
//
// The package knows nothing about any particular service; it performs no
// I/O of its own beyond reading the bodies it is given. The Acumatica
// source builds on it.
//
// TODO(#3): ATOM feeds (OData v3 without $format=json) are not decoded.
package odata
