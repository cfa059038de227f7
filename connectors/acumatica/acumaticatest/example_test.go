package acumaticatest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/syncctl/syncctl/connectors/acumatica/acumaticatest"
)

// A test reads an entity set, changes the data, and reads what changed
// since its watermark.
func Example() {
	fake := acumaticatest.New(acumaticatest.Options{Rows: 100})
	srv := httptest.NewServer(fake)
	defer srv.Close()

	get := func(query string) []map[string]any {
		req, _ := http.NewRequest("GET",
			srv.URL+"/t/Company/api/odata/gi/SalesOrders?"+query, nil)
		req.SetBasicAuth("admin", "123")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		var page struct{ Value []map[string]any }
		json.NewDecoder(resp.Body).Decode(&page)
		return page.Value
	}

	q := url.Values{
		"$select":  {"OrderType,OrderNbr,LastModifiedDateTime"},
		"$orderby": {"LastModifiedDateTime desc"},
		"$top":     {"1"},
	}
	newest := get(q.Encode())[0]["LastModifiedDateTime"].(string)
	fmt.Println("rows:", len(get("")))

	fake.Touch("Company", "SalesOrders", 3)
	fake.Insert("Company", "SalesOrders", 2)

	changed := url.Values{
		"$select":  {"OrderType,OrderNbr,LastModifiedDateTime"},
		"$filter":  {"LastModifiedDateTime gt " + newest},
		"$orderby": {"LastModifiedDateTime,OrderType,OrderNbr"},
	}
	for _, row := range get(changed.Encode()) {
		fmt.Println(row["OrderType"], row["OrderNbr"], row["LastModifiedDateTime"])
	}
	// Output:
	// rows: 100
	// SO SO000052 2026-11-02T09:00:00.001+00:00
	// SO SO000061 2026-11-02T09:00:00.002+00:00
	// SO SO000070 2026-11-02T09:00:00.003+00:00
	// SO SO000081 2026-11-02T09:00:00.004+00:00
	// SO SO000082 2026-11-02T09:00:00.005+00:00
}
