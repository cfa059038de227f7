package acumaticatest

import "strconv"

type paymentTerm struct {
	id       string
	descr    string
	dueDays  int64
	discount int64 // percent, scale 6
	visible  bool
}

// fixedTerms are the generated PaymentTerms rows, in key order.
var fixedTerms = [...]paymentTerm{
	{"1%10N30", "1% 10, Net 30", 30, 1_000_000, true},
	{"2%10N30", "2% 10, Net 30", 30, 2_000_000, true},
	{"30D", "30 Days", 30, 0, true},
	{"60D", "60 Days", 60, 0, true},
	{"COD", "Cash on Delivery", 0, 0, true},
	{"EOM", "End of Month", 30, 0, true},
	{"NET15", "Net 15 \u2014 early payers get 0.5%", 15, 500_000, true},
	{"PREPAID", "Prepayment (legacy)", 0, 0, false},
}

// term returns the fixed term of the current row, or a generated one
// for inserted rows, whose ids ("X00001") sort after the fixed ones.
func (r *row) term() paymentTerm {
	if r.idx < len(fixedTerms) {
		return fixedTerms[r.idx]
	}
	n := r.idx - len(fixedTerms) + 1
	id := "X" + string(appendNumber(nil, n, 5))
	return paymentTerm{id: id, descr: "Terms " + strconv.Itoa(n),
		dueDays: int64(n*5) % 120, discount: int64(n%7) * 250_000,
		visible: true}
}

func paymentTermsCapacity(*tableState) int {
	return len(fixedTerms) + 99_999
}

var paymentTerms = &entity{
	name:    "PaymentTerms",
	tracked: -1,
	keys:    []int{0},
	count:   func(int) int { return len(fixedTerms) },
	cols: []column{
		strCol("TermsID", true, false, func(r *row, v *value) {
			r.padded(v, r.term().id, 10)
		}),
		strCol("Description", false, true, func(r *row, v *value) {
			r.str(v, r.term().descr)
		}),
		intCol("DueDays", "Edm.Int32", func(r *row, v *value) {
			v.i = r.term().dueDays + int64(r.st.touched(r.idx))
		}),
		decCol("DiscountPercent", 9, 6, func(r *row, v *value) {
			v.i, v.scale = r.term().discount, 6
		}),
		boolCol("Visible", func(r *row, v *value) {
			v.i = b2i(r.term().visible)
		}),
	},
}

// entities lists the exposed inquiries in service-document order.
var entities = []*entity{salesOrders, customers, paymentTerms}

// capacity is the most rows an entity can hold before its generated
// key numbers would run out of digits.
func (st *tableState) capacity() int {
	switch st.ent {
	case salesOrders:
		return salesOrdersCapacity(st)
	case customers:
		return customersCapacity(st)
	}
	return paymentTermsCapacity(st)
}
