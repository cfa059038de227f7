// Package connectortest holds the conformance suites that every connector
// must pass. They live in non-test files so that each implementation runs
// the same tests from its own package:
//
//	func TestConformance(t *testing.T) {
//		connectortest.TestDestination(t, connectortest.Harness{
//			Open:  openFresh,
//			Query: queryRows,
//		})
//	}
//
// TestDestination checks the contract of connectors.Destination: table
// creation and evolution, merges that leave equal rows untouched, full
// reloads of one tenant, state saved in the same transaction as its
// rows, failing batches that store nothing, table locks, odd identifiers
// and the round trip of extreme values of every type. Timestamps are
// compared at microsecond precision: destinations store microseconds and
// truncate finer fractions.
package connectortest
