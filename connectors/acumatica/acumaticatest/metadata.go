package acumaticatest

import (
	"bytes"
	"encoding/xml"
	"fmt"
)

// metadataDocument renders the CSDL of the generic inquiry endpoint:
// one EntityType per inquiry in the GenericInquiry namespace, and the
// Default container.
func metadataDocument() []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n" +
		`<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">` + "\n" +
		"  <edmx:DataServices>\n" +
		`    <Schema Namespace="GenericInquiry" xmlns="http://docs.oasis-open.org/odata/ns/edm">` + "\n")
	for _, e := range entities {
		fmt.Fprintf(&b, "      <EntityType Name=\"%s\">\n        <Key>\n", attr(e.name))
		for _, k := range e.keys {
			fmt.Fprintf(&b, "          <PropertyRef Name=\"%s\" />\n",
				attr(e.cols[k].Name))
		}
		b.WriteString("        </Key>\n")
		for _, c := range e.cols {
			writeProperty(&b, c.Column)
		}
		b.WriteString("      </EntityType>\n")
	}
	b.WriteString("      <EntityContainer Name=\"Default\">\n")
	for _, e := range entities {
		fmt.Fprintf(&b, "        <EntitySet Name=\"%s\" "+
			"EntityType=\"GenericInquiry.%s\" />\n", attr(e.name), attr(e.name))
	}
	b.WriteString("      </EntityContainer>\n    </Schema>\n" +
		"  </edmx:DataServices>\n</edmx:Edmx>\n")
	return b.Bytes()
}

func writeProperty(b *bytes.Buffer, c Column) {
	fmt.Fprintf(b, "        <Property Name=\"%s\" Type=\"%s\"",
		attr(c.Name), c.Type)
	if !c.Nullable {
		b.WriteString(` Nullable="false"`)
	}
	if c.Type == "Edm.Decimal" {
		if c.Precision > 0 {
			fmt.Fprintf(b, ` Precision="%d"`, c.Precision)
		}
		if c.Scale < 0 {
			b.WriteString(` Scale="Variable"`)
		} else {
			fmt.Fprintf(b, ` Scale="%d"`, c.Scale)
		}
	}
	b.WriteString(" />\n")
}

func attr(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
