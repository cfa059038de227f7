// Package rowexpr compiles the expressions of a table's computed columns
// and its row filter, and evaluates them once per row while loading.
//
// Expressions are written in expr-lang (github.com/expr-lang/expr). They
// are parsed and type-checked once per table against the source's
// columns: Syntax needs no metadata (validate), Compile needs the
// entity's columns (plan). Compile then rewrites every operator and
// function into calls of this package's own implementations, the way
// expr-lang's operator overloading does, so that:
//
//   - decimals stay exact: +, - and * never round, mixed integer and
//     decimal operands convert exactly, and a number literal with a
//     point (0.1) is an exact decimal, never a float;
//   - division rounds to 34 significant digits, half to even (the
//     precision of IEEE 754 decimal128); round(x, n) fixes the scale;
//   - null is handled the same way everywhere (see below);
//   - nothing depends on the clock or the machine: the same row always
//     gives the same result.
//
// Null semantics. A null operand makes arithmetic, string functions,
// ordering comparisons (<, <=, >, >=) and contains/startsWith/endsWith
// null. == and != treat null as a value: null == null is true and
// null != 'x' is true, so `x == nil` tests for null. and, or and not
// follow SQL's three-valued logic (false and null is false, true or null
// is true). coalesce and ?? return their first non-null operand. A
// condition (c ? a : b) that is null takes the else branch, and a where
// filter whose result is null drops the row.
//
// An Evaluator holds the state of one evaluation loop: it is not safe for
// concurrent use, but one Program may serve many Evaluators.
package rowexpr
