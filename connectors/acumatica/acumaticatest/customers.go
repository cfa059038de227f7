package acumaticatest

import "strconv"

var nameFirst = [...]string{
	"Acme", "Northwind", "Bürger", "O'Neil", "Blue Lake", "Nakamura",
	"Žlutý Kůň", "Great Plains", "Évora", "Summit", "Café", "Redwood",
	"Polaris", "São Bento", "Kilimanjaro", "Maple & Oak",
}

var nameSecond = [...]string{
	"Supply", "Trading", "Distribution", "Foods", "Hardware", "Logistics",
	"& Söhne", "Textiles", "商事", "Outfitters", "Brewing", "Systems",
}

var nameSuffix = [...]string{
	"Inc.", "LLC", "Ltd", "GmbH", "S.A.", "Co.", "", "K.K.",
}

var customerClasses = [...]string{
	"DEFAULT", "RETAIL", "RETAIL", "WHOLESALE", "INTL", "GOVT"}

var customerStatuses = [...]string{
	"Active", "Active", "Active", "Active", "Active", "On Hold",
	"Credit Hold", "Inactive", "One-Time"}

var mailDomains = [...]string{"example.com", "example.org", "example.net"}

// customerRnd is a per-tenant random number for customer ci, shared by
// Customers and the SalesOrders that reference it.
func (r *row) customerRnd(ci int) uint64 {
	return mix(r.st.tn.seed ^ uint64(ci)*0xa0761d6478bd642f ^ saltName)
}

// customerID renders the padded CustomerID of base customer ci.
func (r *row) customerID(v *value, ci int) {
	start := r.text()
	r.arena = append(r.arena, 'C')
	r.arena = appendNumber(r.arena, ci+1, digitsFor(r.st.tn.customers))
	for len(r.arena)-start < 10 {
		r.arena = append(r.arena, ' ')
	}
	r.end(v, start)
}

func (r *row) customerName(v *value, ci int) {
	h := r.customerRnd(ci)
	start := r.text()
	r.arena = append(r.arena, nameFirst[h%uint64(len(nameFirst))]...)
	r.arena = append(r.arena, ' ')
	r.arena = append(r.arena, nameSecond[(h>>8)%uint64(len(nameSecond))]...)
	if s := nameSuffix[(h>>16)%uint64(len(nameSuffix))]; s != "" {
		r.arena = append(r.arena, ' ')
		r.arena = append(r.arena, s...)
	}
	r.end(v, start)
}

func customersCapacity(st *tableState) int {
	return maxNumber(digitsFor(st.tn.customers))
}

var customers = &entity{
	name:    "Customers",
	tracked: 9,
	keys:    []int{0},
	count:   func(rows int) int { return max(rows/10, 10) },
	cols: []column{
		strCol("CustomerID", true, false, func(r *row, v *value) {
			r.customerID(v, r.idx)
		}),
		strCol("CustomerName", false, true, func(r *row, v *value) {
			r.customerName(v, r.idx)
		}),
		strCol("CustomerClass", false, true, func(r *row, v *value) {
			h := r.rnd(saltClass)
			r.padded(v, customerClasses[h%uint64(len(customerClasses))], 10)
		}),
		strCol("Status", false, true, func(r *row, v *value) {
			h := r.rnd(saltStatus)
			r.str(v, customerStatuses[h%uint64(len(customerStatuses))])
		}),
		strCol("Email", false, true, genEmail),
		strCol("Phone", false, true, genPhone),
		decCol("CreditLimit", 19, 2, func(r *row, v *value) {
			v.i, v.scale = int64(r.rnd(saltCredit)%1000)*100_000, 2
		}),
		decCol("Balance", 0, -1, genBalance),
		timeCol("CreatedDateTime", true, func(r *row, v *value) {
			v.i = r.st.created[r.idx]
		}),
		timeCol("LastModifiedDateTime", true, func(r *row, v *value) {
			v.i = r.st.lm[r.idx]
		}),
		guidCol("NoteID"),
	},
}

func genEmail(r *row, v *value) {
	h := r.rnd(saltEmail)
	if h%7 == 0 {
		v.null = true
		return
	}
	start := r.text()
	r.arena = append(r.arena, "ar"...)
	r.arena = strconv.AppendInt(r.arena, int64(r.idx+1), 10)
	r.arena = append(r.arena, '@')
	r.arena = append(r.arena, mailDomains[(h>>8)%uint64(len(mailDomains))]...)
	r.end(v, start)
}

func genPhone(r *row, v *value) {
	h := r.rnd(saltPhone)
	if h%5 == 0 {
		v.null = true
		return
	}
	start := r.text()
	r.arena = append(r.arena, "+1 (555) 01"...)
	r.arena = appendNumber(r.arena, int((h>>8)%10), 1)
	r.arena = append(r.arena, '-')
	r.arena = appendNumber(r.arena, int((h>>16)%10000), 4)
	r.end(v, start)
}

// genBalance is a Scale="Variable" decimal: scale 2 to 6, sometimes
// negative (credit balances), growing by 10.5 per touch.
func genBalance(r *row, v *value) {
	h := r.rnd(saltBalance)
	scale := int8(2 + (h>>8)%5)
	u := int64((h >> 16) % 5_000_000)
	for range scale {
		u *= 10
	}
	u += int64(h % 100)
	if (h>>56)%6 == 0 {
		u = -u
	}
	t := int64(r.st.touched(r.idx)) * 105
	for range scale - 1 {
		t *= 10
	}
	v.i, v.scale = u+t, scale
}
