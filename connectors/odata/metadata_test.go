package odata

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/connectors"
)

func parseFile(t *testing.T, name string) *Metadata {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	md, err := ParseMetadata(f)
	if err != nil {
		t.Fatalf("ParseMetadata(%s) = %v", name, err)
	}
	return md
}

func TestParseMetadataV4(t *testing.T) {
	md := parseFile(t, "gi.v4.metadata.xml")
	if md.Version != V4 {
		t.Errorf("Version = %v; want v4", md.Version)
	}
	wantSets := []string{"SalesOrders", "Customer Contacts", "AR-Invoices"}
	if got := md.EntitySets(); !reflect.DeepEqual(got, wantSets) {
		t.Errorf("EntitySets() = %q; want %q", got, wantSets)
	}

	e, err := md.Entity("SalesOrders")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"OrderType", "OrderNbr"}; !reflect.DeepEqual(e.Key, want) {
		t.Errorf("Key = %q; want %q", e.Key, want)
	}
	want := []connectors.Column{
		{Name: "OrderType", Type: connectors.TypeString, SourceType: "Edm.String"},
		{Name: "OrderNbr", Type: connectors.TypeString, SourceType: "Edm.String"},
		{Name: "CustomerID", Type: connectors.TypeString, SourceType: "Edm.String", Nullable: true},
		{Name: "Status", Type: connectors.TypeString, SourceType: "Edm.String", Nullable: true},
		{Name: "Date", Type: connectors.TypeDate, SourceType: "Edm.Date", Nullable: true},
		{Name: "OrderTotal", Type: connectors.TypeDecimal, SourceType: "Edm.Decimal", Precision: 19, Scale: connectors.VariableScale, Nullable: true},
		{Name: "LineCount", Type: connectors.TypeInt, SourceType: "Edm.Int32", Bits: 32, Nullable: true},
		{Name: "Qty", Type: connectors.TypeInt, SourceType: "Edm.Int16", Bits: 16, Nullable: true},
		{Name: "Big", Type: connectors.TypeInt, SourceType: "Edm.Int64", Bits: 64, Nullable: true},
		{Name: "Tiny", Type: connectors.TypeInt, SourceType: "Edm.Byte", Bits: 8, Nullable: true},
		{Name: "Rate", Type: connectors.TypeFloat, SourceType: "Edm.Double", Nullable: true},
		{Name: "Approved", Type: connectors.TypeBool, SourceType: "Edm.Boolean"},
		{Name: "NoteID", Type: connectors.TypeUUID, SourceType: "Edm.Guid", Nullable: true},
		{Name: "tstamp", Type: connectors.TypeBinary, SourceType: "Edm.Binary", Nullable: true},
		{Name: "Duration", Type: connectors.TypeString, SourceType: "Edm.Duration", Nullable: true},
		{Name: "LastModifiedDateTime", Type: connectors.TypeTimestamp, SourceType: "Edm.DateTimeOffset", Nullable: true},
	}
	if !reflect.DeepEqual(e.Columns, want) {
		t.Errorf("Columns =\n%+v\nwant\n%+v", e.Columns, want)
	}
}

func TestParseMetadataInheritanceAndAlias(t *testing.T) {
	md := parseFile(t, "gi.v4.metadata.xml")
	e, err := md.Entity("AR-Invoices")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := e.ColumnNames(), []string{"DocType", "RefNbr", "Amount",
		"Balance", "LastModifiedDateTime"}; !reflect.DeepEqual(got, want) {
		t.Errorf("columns = %q; want %q", got, want)
	}
	if want := []string{"DocType", "RefNbr"}; !reflect.DeepEqual(e.Key, want) {
		t.Errorf("Key = %q; want %q", e.Key, want)
	}
	amount, _ := e.Column("Amount")
	if amount.Precision != 19 || amount.Scale != 4 {
		t.Errorf("Amount precision, scale = %d, %d; want 19, 4",
			amount.Precision, amount.Scale)
	}
	balance, _ := e.Column("Balance")
	if balance.Precision != 0 || balance.Scale != connectors.VariableScale {
		t.Errorf("Balance precision, scale = %d, %d; want 0, variable",
			balance.Precision, balance.Scale)
	}

	c, err := md.Entity("Customer Contacts")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.ColumnNames(); len(got) != 2 {
		t.Errorf("Customer Contacts columns = %q", got)
	}
}

func TestParseMetadataV3(t *testing.T) {
	md := parseFile(t, "gi.v3.metadata.xml")
	if md.Version != V3 {
		t.Errorf("Version = %v; want v3", md.Version)
	}
	e, err := md.Entity("StockItems")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := e.Column("LastModifiedOn")
	if c.Type != connectors.TypeTimestamp || c.SourceType != "Edm.DateTime" {
		t.Errorf("LastModifiedOn = %+v; want timestamp from Edm.DateTime", c)
	}
	q, _ := e.Column("QtyOnHand")
	if q.Precision != 25 || q.Scale != 6 {
		t.Errorf("QtyOnHand = %+v; want precision 25 scale 6", q)
	}
}

func TestParseMetadataErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"not edmx", `<html><title>Sign in</title></html>`, "not an EDMX"},
		{"broken", `<edmx:Edmx Version="4.0"><Schema`, "parse $metadata"},
		{"bad scale", `<Edmx Version="4.0"><Schema Namespace="N">
			<EntityType Name="T"><Property Name="P" Type="Edm.Decimal" Scale="x"/>
			</EntityType></Schema></Edmx>`, `invalid Scale "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMetadata(strings.NewReader(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseMetadata() = %v; want error containing %q",
					err, tt.want)
			}
		})
	}
}

func TestEntityNotFound(t *testing.T) {
	md := parseFile(t, "gi.v4.metadata.xml")
	if _, err := md.Entity("SalesOrder"); err == nil {
		t.Error("Entity(SalesOrder) succeeded")
	}
	if got := md.SimilarSet("salesorder"); got != "SalesOrders" {
		t.Errorf("SimilarSet(salesorder) = %q; want SalesOrders", got)
	}
	if got := md.SimilarSet("Journal"); got != "" {
		t.Errorf("SimilarSet(Journal) = %q; want none", got)
	}
}
