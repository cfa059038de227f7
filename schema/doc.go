// Package schema is syncctl's configuration language: it finds the *.hcl
// files of a directory, decodes their blocks (variable, source,
// destination, table), evaluates variables and expands for_each into
// instances, each with an address such as table.sales_orders["Company"].
//
// Source and destination bodies are left undecoded: each instance carries
// its body and the evaluation context to decode it with, and the engine
// hands them to the connector that owns the block type. Every problem is
// reported as an hcl.Diagnostic pointing at the offending source range.
//
// This package imports none of syncctl's other packages.
package schema
