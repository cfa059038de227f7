// Package acumaticatest provides a fake Acumatica ERP instance: the test
// double every syncctl test, example and benchmark talks to instead of a
// real server. It is an http.Handler; NewServer starts it on 127.0.0.1
// for a test, and the fakeacumatica command serves it for scripts and
// the demo.
//
// # What it serves
//
// Each tenant has the current generic inquiry OData v4 endpoint,
//
//	/t/{tenant}/api/odata/gi/               service document
//	/t/{tenant}/api/odata/gi/$metadata      CSDL (namespace GenericInquiry)
//	/t/{tenant}/api/odata/gi/{EntitySet}    data
//
// with $filter, $select, $orderby, $top and $skip, and $format=json. As
// on Acumatica, $expand and $count are refused, there is no
// @odata.nextLink and no count: clients page with $top and $skip or,
// better, with a keyset filter. Without $orderby rows come in key
// order. Path segments match case-insensitively; the tenant (a login
// name, spaces sent as %20, never +) is case-sensitive.
//
// $filter supports eq, ne, gt, ge, lt, le, and, or, not, parentheses,
// the functions contains, startswith, endswith, tolower, toupper, trim
// and length, and OData v4 literals: 'text' (a quote inside doubled), numbers,
// true, false, null, GUIDs, dates (2025-10-14, local midnight) and
// date-times with an offset (2026-01-02T03:04:05.1234567Z or +05:00).
// The v3 forms datetime'...' and datetimeoffset'...' fail as they do on
// Acumatica, with HTTP 500 and "Unrecognized 'Edm.String' literal".
// Errors use Microsoft.OData's texts in the envelope
// {"error":{"code":"","message":"..."}}.
//
// Each tenant also has the legacy generic inquiry OData v3 endpoint of
// WCF Data Services, with the same data:
//
//	/odata/{tenant}/                 service document (AtomPub, or JSON)
//	/odata/{tenant}/$metadata        EDMX 1.0, DataServiceVersion 3.0
//	/odata/{tenant}/{EntitySet}      data
//
// Its $metadata types every date and time as Edm.DateTime, and values
// are the user's wall times in Options.Location without an offset
// (2026-11-01T01:30:00.123). $filter takes v3 literals instead of v4's:
// datetime'2026-01-02T03:04:05.123' (a wall time in Options.Location; in
// the repeated hour of a fall-back the later instant, standard time, or
// the earlier with Options.FallBackEarlier), datetimeoffset'...' (which,
// as in WCF, cannot be compared with an Edm.DateTime column),
// guid'...', 12.5M, 7L, and substringof instead of contains. Bare v4
// date-times and GUIDs fail. Bodies are JSON light ("odata.metadata",
// decimals as strings) with $format=json or Accept: application/json,
// else ATOM feeds (<m:properties>, m:type, m:null="true"); control
// characters in ATOM text are written as references such as &#x1F;, as
// .NET does with character checking off. Errors are {"odata.error":...}
// or <m:error>, following the format.
//
// Comparisons follow SQL Server, where Acumatica runs them: strings
// compare case-insensitively and ignore trailing spaces, so
// 'C000042' eq 'C000042   ' (in $filter and $orderby alike);
// DateTimeOffset values compare as instants; decimals compare exactly;
// a comparison with a null column is unknown, so neither "X eq 1" nor
// "not (X eq 1)" returns a row whose X is null ("X eq null" does).
//
// # Authentication
//
// Every OData request needs HTTP Basic credentials (Options.User and
// Options.Password) or the session cookie (.ASPXAUTH) set by an earlier
// sign-in to the same tenant. Without either the answer is 401 with
// WWW-Authenticate, whatever the path, so a wrong tenant only shows up
// (as 404) once signed in. Logins counts sign-ins: a client that does not
// reuse its cookie signs in on every request, which on a real instance
// exhausts the licence.
//
// OAuth wraps a Service with IdentityServer's endpoints: the
// authorization endpoint (/identity/connect/authorize: authorization
// codes with PKCE S256, for registered redirect URIs; the user signs in
// through a form, or at once with OAuthOptions.AutoSignIn or the query
// parameter fake_sign_in=approve) and the token endpoint
// (/identity/connect/token: authorization_code, password and
// refresh_token grants, rotating refresh tokens); NewOAuthServer serves
// them all. A valid bearer token then stands for the Basic credentials.
//
// # The data
//
// Three inquiries are exposed:
//
//   - SalesOrders: Options.Rows rows keyed by (OrderType, OrderNbr), 21
//     columns of every Edm type the connector maps: space-padded
//     fixed-width codes (CustomerID "C000042   ", BranchID), dropdown
//     labels (Status "On Hold"), descriptions with quotes, control
//     characters, non-Latin scripts and nulls, decimals with fixed
//     scale and Scale="Variable", booleans, Int16/Int32, a GUID, dates at
//     local midnight, and CreatedDateTime/LastModifiedDateTime.
//   - Customers: max(Rows/10, 10) rows keyed by CustomerID.
//   - PaymentTerms: eight reference rows keyed by TermsID, without any
//     tracking column (a table that can only be reloaded in full).
//
// Rows are generated from (Options.Seed, tenant, row index), so the same
// options always serve the same bytes and each tenant has different
// data. LastModifiedDateTime values spread over the two years before
// Options.Clock (fixed by default); about 4% of rows share their
// timestamp with the previous row and some share one of three
// "mass update" instants, so ties are common. Options.FractionDigits
// sets their precision (7 gives .NET's 100 ns ticks) and
// Options.Location the zone they are rendered in, as local time with
// the zone's offset (+00:00 for UTC, never Z). When that zone has a
// daylight-saving fall-back in the data's span, some rows are stamped
// in both passes of its repeated hour (in America/Toronto, 2026-11-01
// 01:00-02:00 EDT, then EST), so wall-time clients can be checked for
// lost rows. Rows are produced on
// demand: only timestamps and mutation counts are stored, about 20 bytes
// a row, so a million rows per tenant is cheap. Columns and Rows expose
// the exact data for assertions.
//
// # Changing the data
//
// Tests change data between runs with Touch (edit existing rows: a data
// column changes and LastModifiedDateTime moves to the clock plus k
// milliseconds), Insert (new keys, stamped after every existing row),
// InsertTied (new keys sharing exactly the newest timestamp: ties at the
// watermark) and Advance (the fake clock). A response in progress keeps
// the data it started with.
//
// # Faults and hooks
//
// SetFaults switches on the failures clients must survive: an error
// status for the next N data requests (with Retry-After for 429 and
// 503), 200 with an empty body (Acumatica's answer to a filter on a
// formula column), HTML error pages and slow answers. OnPage runs a
// function before each data request, for example to block or kill a
// client at page 3; Requests lists every request URI served.
//
// # Control surface
//
// For scripts, the same operations are HTTP calls under /_fake/, a
// prefix Acumatica never serves, without credentials:
//
//	curl -X POST 'URL/_fake/touch?tenant=Company&entity=SalesOrders&n=100'
//	curl -X POST 'URL/_fake/insert?entity=Customers&n=5'
//	curl -X POST 'URL/_fake/tie?entity=SalesOrders&n=3'
//	curl -X POST 'URL/_fake/advance?d=1h'
//	curl -X POST 'URL/_fake/faults' -d '{"failStatus":503,"failCount":2,"retryAfter":"1"}'
//	curl 'URL/_fake/rows?entity=PaymentTerms&limit=10'
//	curl 'URL/_fake/stats'
//
// Each answers JSON, {"changed": N} for mutations.
package acumaticatest
