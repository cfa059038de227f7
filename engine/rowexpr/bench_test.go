package rowexpr

import "testing"

func benchEval(b *testing.B, src string, purpose Purpose) {
	p, err := Compile(src, testColumns, Options{Purpose: purpose})
	if err != nil {
		b.Fatal(err)
	}
	e, err := p.Evaluator(testNames())
	if err != nil {
		b.Fatal(err)
	}
	row := testRow(nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Eval(row); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEval evaluates typical expressions on a 20-column row.
func BenchmarkEval(b *testing.B) {
	b.Run("decimal-subtraction", func(b *testing.B) {
		benchEval(b, "OrderTotal - TaxTotal", Value)
	})
	b.Run("where-filter", func(b *testing.B) {
		benchEval(b, "Status != 'Cancelled' and OrderTotal > 100", Filter)
	})
	b.Run("trim", func(b *testing.B) {
		benchEval(b, "trim(CustomerID)", Value)
	})
}
