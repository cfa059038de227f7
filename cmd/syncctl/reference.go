package main

import (
	"fmt"
	"strings"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/schema"
)

// reference renders the configuration reference in Markdown from the
// schema's and the connectors' own documentation, so it cannot drift.
func reference() string {
	var b strings.Builder
	for _, blk := range schema.Docs {
		fmt.Fprintf(&b, "#### `%s`\n\n%s\n\n", blk.Header, blk.Description)
		table(&b, len(blk.Attrs), func(i int) []string {
			a := blk.Attrs[i]
			return []string{a.Name, a.Type, yes(a.Required), a.Default, a.Description}
		})
	}
	for _, name := range connectors.SourceTypes() {
		d, _ := connectors.LookupSource(name)
		connectorTable(&b, fmt.Sprintf(`source "%s" "NAME"`, name), d.Docs())
	}
	for _, name := range connectors.DestinationTypes() {
		d, _ := connectors.LookupDestination(name)
		connectorTable(&b, fmt.Sprintf(`destination "%s" "NAME"`, name), d.Docs())
	}
	return b.String()
}

func connectorTable(b *strings.Builder, header string, attrs []connectors.Attribute) {
	fmt.Fprintf(b, "#### `%s`\n\n", header)
	table(b, len(attrs), func(i int) []string {
		a := attrs[i]
		desc := a.Description
		if a.Sensitive {
			desc += " Sensitive: never shown."
		}
		return []string{a.Name, a.Type, yes(a.Required), a.Default, desc}
	})
}

func table(b *strings.Builder, n int, row func(int) []string) {
	b.WriteString("| attribute | type | required | default | description |\n|---|---|---|---|---|\n")
	for i := range n {
		cells := row(i)
		for j, c := range cells {
			c = strings.ReplaceAll(c, "|", `\|`)
			if j < 2 && c != "" {
				c = "`" + c + "`"
			}
			cells[j] = c
		}
		fmt.Fprintf(b, "| %s |\n", strings.Join(cells, " | "))
	}
	b.WriteString("\n")
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return ""
}
