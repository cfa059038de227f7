package acumaticatest

import "strconv"

// Column constructors keep the entity tables below readable.

func strCol(name string, key, nullable bool, gen func(*row, *value)) column {
	return column{Column: Column{Name: name, Type: "Edm.String",
		Key: key, Nullable: nullable}, kind: kString, gen: gen}
}

func decCol(name string, precision, scale int, gen func(*row, *value)) column {
	return column{Column: Column{Name: name, Type: "Edm.Decimal",
		Precision: precision, Scale: scale, Nullable: true},
		kind: kDecimal, gen: gen}
}

func intCol(name, edm string, gen func(*row, *value)) column {
	return column{Column: Column{Name: name, Type: edm, Nullable: true},
		kind: kInt, gen: gen}
}

func boolCol(name string, gen func(*row, *value)) column {
	return column{Column: Column{Name: name, Type: "Edm.Boolean",
		Nullable: true}, kind: kBool, gen: gen}
}

func timeCol(name string, nullable bool, gen func(*row, *value)) column {
	return column{Column: Column{Name: name, Type: "Edm.DateTimeOffset",
		Nullable: nullable}, kind: kTime, gen: gen}
}

func guidCol(name string) column {
	return column{Column: Column{Name: name, Type: "Edm.Guid",
		Nullable: true}, kind: kGuid, gen: genNoteID}
}

// Salts for the per-row random numbers, one per generated attribute.
const (
	saltCustomer = iota + 1
	saltStatus
	saltDescription
	saltCurrency
	saltQty
	saltTotal
	saltPaid
	saltApproved
	saltLines
	saltPriority
	saltNote
	saltBranch
	saltRequested
	saltName
	saltClass
	saltEmail
	saltPhone
	saltCredit
	saltBalance
)

var orderTypes = [...]string{"CR", "IN", "QT", "SO"}

// orderStatuses are dropdown labels: generic inquiries return labels,
// not the stored codes.
var orderStatuses = [...]string{
	"Completed", "Open", "On Hold", "Back Order", "Cancelled"}

var currencies = [...]string{"USD", "USD", "USD", "USD", "CAD", "EUR"}

var branches = [...]string{"MAIN", "MAIN", "MAIN", "EAST", "WEST"}

// descriptions exercise JSON escaping and collation: quotes, backslashes,
// control characters, non-Latin scripts, astral code points, padding.
var descriptions = [...]string{
	"Standard order",
	"Rush delivery \u2014 customer called twice",
	"Caf\u00e9 M\u00fcller, Z\u00fcrich",
	"Order for \"Big\" Joe's Diner",
	`Back\office supplies`,
	"Line one\nLine two",
	"Tab\tseparated\tvalues",
	"\u65e5\u672c\u8a9e\u306e\u6ce8\u6587",
	"Emoji \U0001F69A\U0001F4E6 shipment",
	"  leading and trailing spaces  ",
	"",
	"It''s quoted twice",
	"<b>Not</b> &amp; HTML",
	"Unit separator \u001f inside",
	"\u041f\u043e\u0441\u0442\u0430\u0432\u043a\u0430 \u2116 7",
	"Replacement order",
}

// orderBlocks returns where each order type's rows start for n rows:
// 5% credit memos, 10% invoices, 5% quotes and the rest sales orders,
// so that index order is key order.
func orderBlocks(n int) [4]int {
	cr := (n + 19) / 20
	in := min(cr+(n+9)/10, n)
	qt := min(in+(n+19)/20, n)
	return [4]int{0, min(cr, n), in, qt}
}

func (r *row) orderType() int {
	b := orderBlocks(r.st.base)
	for t := 3; t > 0; t-- {
		if r.idx >= b[t] {
			return t
		}
	}
	return 0
}

func salesOrdersCapacity(st *tableState) int {
	return orderBlocks(st.base)[3] + maxNumber(st.width)
}

var salesOrders = &entity{
	name:    "SalesOrders",
	tracked: 20,
	keys:    []int{0, 1},
	count:   func(rows int) int { return rows },
	cols: []column{
		strCol("OrderType", true, false, func(r *row, v *value) {
			r.str(v, orderTypes[r.orderType()])
		}),
		strCol("OrderNbr", true, false, genOrderNbr),
		strCol("CustomerID", false, true, func(r *row, v *value) {
			r.customerID(v, r.customer())
		}),
		strCol("CustomerName", false, true, func(r *row, v *value) {
			r.customerName(v, r.customer())
		}),
		strCol("Status", false, true, func(r *row, v *value) {
			r.str(v, orderStatuses[r.orderStatus()])
		}),
		timeCol("Date", true, func(r *row, v *value) {
			v.i = midnight(r.st.created[r.idx], 0, r.st.loc)
		}),
		timeCol("RequestedOn", true, genRequestedOn),
		strCol("Description", false, true, genDescription),
		strCol("CurrencyID", false, true, func(r *row, v *value) {
			h := r.rnd(saltCurrency)
			r.str(v, currencies[h%uint64(len(currencies))])
		}),
		decCol("OrderQty", 19, 2, func(r *row, v *value) {
			v.i, v.scale = int64(100+r.rnd(saltQty)%49_901), 2
		}),
		decCol("OrderTotal", 19, 4, func(r *row, v *value) {
			v.i, v.scale = r.orderTotal()+int64(r.st.touched(r.idx))*12_500, 4
		}),
		decCol("TaxTotal", 19, 4, func(r *row, v *value) {
			v.i, v.scale = percentOf(r.orderTotal(), 13), 4
		}),
		decCol("PaidTotal", 0, -1, genPaidTotal),
		boolCol("Approved", func(r *row, v *value) {
			s := r.orderStatus()
			v.i = b2i(s != 2 && s != 4 && r.rnd(saltApproved)%8 != 0)
		}),
		boolCol("Hold", func(r *row, v *value) {
			v.i = b2i(r.orderStatus() == 2)
		}),
		intCol("LineCount", "Edm.Int32", func(r *row, v *value) {
			v.i = int64(1 + r.rnd(saltLines)%250)
		}),
		intCol("Priority", "Edm.Int16", func(r *row, v *value) {
			v.i = int64(r.rnd(saltPriority) % 10)
		}),
		guidCol("NoteID"),
		strCol("BranchID", false, true, func(r *row, v *value) {
			h := r.rnd(saltBranch)
			r.padded(v, branches[h%uint64(len(branches))], 10)
		}),
		timeCol("CreatedDateTime", true, func(r *row, v *value) {
			v.i = r.st.created[r.idx]
		}),
		timeCol("LastModifiedDateTime", true, func(r *row, v *value) {
			v.i = r.st.lm[r.idx]
		}),
	},
}

func genOrderNbr(r *row, v *value) {
	t := r.orderType()
	start := r.text()
	r.arena = append(r.arena, orderTypes[t]...)
	nbr := r.idx - orderBlocks(r.st.base)[t] + 1
	r.arena = appendNumber(r.arena, nbr, r.st.width)
	r.end(v, start)
}

// customer picks the base Customers row an order belongs to.
func (r *row) customer() int {
	return int(r.rnd(saltCustomer) % uint64(r.st.tn.customers))
}

func (r *row) orderStatus() int {
	h := r.rnd(saltStatus) % 20
	var s int
	switch {
	case h < 10:
		s = 0
	case h < 14:
		s = 1
	case h < 16:
		s = 2
	case h < 18:
		s = 3
	default:
		s = 4
	}
	return (s + int(r.st.touched(r.idx))) % len(orderStatuses)
}

// orderTotal is the generated total before touches, scale 4. Credit
// memos are negative; one row carries a very large amount.
func (r *row) orderTotal() int64 {
	if r.idx == 7 {
		return 999_999_999_999_999_999
	}
	t := int64(r.rnd(saltTotal) % 2_500_000_000)
	if r.orderType() == 0 {
		t = -t
	}
	return t
}

func genRequestedOn(r *row, v *value) {
	h := r.rnd(saltRequested)
	if h%100 < 15 {
		v.null = true
		return
	}
	v.i = midnight(r.st.created[r.idx], int((h>>8)%30), r.st.loc)
}

func genDescription(r *row, v *value) {
	h := r.rnd(saltDescription)
	if h%10 == 0 {
		v.null = true
		return
	}
	d := descriptions[(h>>8)%uint64(len(descriptions))]
	start := r.text()
	r.arena = append(r.arena, d...)
	if d == descriptions[0] || d == descriptions[len(descriptions)-1] {
		r.arena = append(r.arena, ' ')
		r.arena = strconv.AppendUint(r.arena, (h>>16)%1000, 10)
	}
	r.end(v, start)
}

// genPaidTotal produces a Scale="Variable" decimal with 0 to 10
// fraction digits; a tenth of the rows have none paid (null).
func genPaidTotal(r *row, v *value) {
	h := r.rnd(saltPaid)
	if h%10 == 0 {
		v.null = true
		return
	}
	scale := int((h >> 8) % 11)
	u := int64((h >> 16) % 100_000)
	for range scale {
		u = u*10 + int64((h>>40)%10)
		h = mix(h)
	}
	if r.idx == 3 {
		u, scale = 1, 10
	}
	v.i, v.scale = u, int8(scale)
}

// genNoteID renders a version 4 GUID in canonical lowercase form.
func genNoteID(r *row, v *value) {
	const hexdigits = "0123456789abcdef"
	a, b := r.rnd(saltNote), mix(r.rnd(saltNote)+1)
	var raw [16]byte
	for i := range 8 {
		raw[i] = byte(a >> (8 * i))
		raw[8+i] = byte(b >> (8 * i))
	}
	raw[6] = raw[6]&0x0f | 0x40
	raw[8] = raw[8]&0x3f | 0x80
	start := r.text()
	for i, c := range raw {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			r.arena = append(r.arena, '-')
		}
		r.arena = append(r.arena, hexdigits[c>>4], hexdigits[c&15])
	}
	r.end(v, start)
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// percentOf returns p percent of x, rounded half away from zero,
// without overflowing for large x.
func percentOf(x, p int64) int64 {
	neg := x < 0
	if neg {
		x = -x
	}
	r := x/100*p + (x%100*p+50)/100
	if neg {
		return -r
	}
	return r
}
