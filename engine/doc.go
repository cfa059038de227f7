// Package engine turns a configuration into work and does it: it resolves
// the instances of the schema package into connector configurations,
// orders them (tables after their source and destination), plans each
// table instance against its stored state and the source's metadata, and
// applies the plan, loading batches that each commit with their state.
//
// A plan is plain data (Plan); rendering it is the command line's job.
package engine
