package odata

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/syncctl/syncctl/connectors"
)

// Version is the OData protocol version of a service. It decides how
// filter literals are written.
type Version int

// The protocol versions. V3 also covers OData v1 and v2 services, which
// write literals the same way.
const (
	V3 Version = 3
	V4 Version = 4
)

// String returns "v3" or "v4".
func (v Version) String() string { return "v" + strconv.Itoa(int(v)) }

// Metadata is the part of a service's $metadata document (CSDL) that a
// reader needs: entity sets, their entity types, keys and properties.
type Metadata struct {
	// Version is the protocol version the document declares.
	Version Version

	sets  map[string]string // entity set -> qualified entity type
	order []string          // entity sets in document order
	types map[string]*EntityType
	// complex names the complex types, whose properties are skipped.
	complex map[string]bool
	aliases map[string]string // schema alias -> namespace
}

// EntityType is one entity type of a $metadata document.
type EntityType struct {
	// Name is the qualified name (Namespace.Name).
	Name string
	// BaseType is the qualified name of the type this one derives from,
	// or "".
	BaseType   string
	Key        []string
	Properties []Property
}

// Property is one structural property of an entity type.
type Property struct {
	Name string
	// Type is the property's type as written, for example "Edm.Decimal".
	Type     string
	Nullable bool
	// Precision is 0 when not given. Scale is connectors.VariableScale
	// when the document says "Variable" or gives no scale.
	Precision int
	Scale     int
}

// ParseMetadata reads a $metadata document: CSDL 4.0 (OData v4) or EDMX
// 1.0 with a DataServiceVersion (OData v1 to v3). Element names are
// matched without their XML namespace.
func ParseMetadata(r io.Reader) (*Metadata, error) {
	md := &Metadata{
		Version: V3,
		sets:    map[string]string{},
		types:   map[string]*EntityType{},
		complex: map[string]bool{},
		aliases: map[string]string{},
	}
	p := metadataParser{md: md, dec: xml.NewDecoder(r)}
	p.dec.Strict = false
	if err := p.parse(); err != nil {
		return nil, fmt.Errorf("parse $metadata: %w", err)
	}
	return md, nil
}

type metadataParser struct {
	md      *Metadata
	dec     *xml.Decoder
	sawEdmx bool
	// rawSets holds entity set types as written, resolved once all
	// aliases are known.
	rawSets map[string]string
	ns      string // namespace of the schema being read
	typ     *EntityType
}

func (p *metadataParser) parse() error {
	p.rawSets = map[string]string{}
	for {
		tok, err := p.dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := p.start(t); err != nil {
				return err
			}
		case xml.EndElement:
			if t.Name.Local == "EntityType" && p.typ != nil {
				p.md.types[p.typ.Name] = p.typ
				p.typ = nil
			}
		}
	}
	if !p.sawEdmx {
		return errors.New("not an EDMX document (no Edmx element)")
	}
	for name, typ := range p.rawSets {
		p.md.sets[name] = p.md.qualify(typ)
	}
	for _, t := range p.md.types {
		if t.BaseType != "" {
			t.BaseType = p.md.qualify(t.BaseType)
		}
	}
	return nil
}

func (p *metadataParser) start(t xml.StartElement) error {
	switch t.Name.Local {
	case "Edmx":
		p.sawEdmx = true
		if v := attr(t, "Version"); strings.HasPrefix(v, "4") {
			p.md.Version = V4
		}
	case "Schema":
		p.ns = attr(t, "Namespace")
		if a := attr(t, "Alias"); a != "" {
			p.md.aliases[a] = p.ns
		}
	case "EntityType":
		p.typ = &EntityType{Name: p.ns + "." + attr(t, "Name"),
			BaseType: attr(t, "BaseType")}
	case "ComplexType":
		p.md.complex[p.ns+"."+attr(t, "Name")] = true
	case "PropertyRef":
		if p.typ != nil {
			p.typ.Key = append(p.typ.Key, attr(t, "Name"))
		}
	case "Property":
		if p.typ != nil {
			prop, err := property(t)
			if err != nil {
				return fmt.Errorf("entity type %s: %w", p.typ.Name, err)
			}
			p.typ.Properties = append(p.typ.Properties, prop)
		}
	case "EntitySet":
		name := attr(t, "Name")
		if _, dup := p.rawSets[name]; !dup {
			p.md.order = append(p.md.order, name)
		}
		p.rawSets[name] = attr(t, "EntityType")
	}
	return nil
}

// property reads a Property element's facets.
func property(t xml.StartElement) (Property, error) {
	prop := Property{Name: attr(t, "Name"), Type: attr(t, "Type"),
		Nullable: !strings.EqualFold(attr(t, "Nullable"), "false"),
		Scale:    connectors.VariableScale}
	if s := attr(t, "Precision"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return prop, fmt.Errorf("property %s: invalid Precision %q",
				prop.Name, s)
		}
		prop.Precision = n
	}
	if s := attr(t, "Scale"); s != "" && !strings.EqualFold(s, "variable") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return prop, fmt.Errorf("property %s: invalid Scale %q",
				prop.Name, s)
		}
		prop.Scale = n
	}
	return prop, nil
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// qualify replaces a schema alias at the start of a qualified name with
// its namespace.
func (md *Metadata) qualify(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return name
	}
	if ns, ok := md.aliases[name[:i]]; ok {
		return ns + name[i:]
	}
	return name
}

// EntitySets lists the entity set names in document order.
func (md *Metadata) EntitySets() []string {
	return append([]string(nil), md.order...)
}

// EntityType returns the entity type of the named entity set.
func (md *Metadata) EntityType(set string) (*EntityType, bool) {
	t, ok := md.types[md.sets[set]]
	return t, ok
}

// Entity describes the named entity set as a connectors.Entity: the
// properties of its type, base types' properties first, mapped to column
// types, and the key declared by the type or its nearest base. Complex
// and collection-valued properties are left out.
func (md *Metadata) Entity(set string) (*connectors.Entity, error) {
	typeName, ok := md.sets[set]
	if !ok {
		return nil, fmt.Errorf("entity set %q not found", set)
	}
	var chain []*EntityType
	seen := map[string]bool{}
	for name := typeName; name != ""; {
		t, ok := md.types[name]
		if !ok {
			return nil, fmt.Errorf("entity set %q: entity type %q not found",
				set, name)
		}
		if seen[name] {
			return nil, fmt.Errorf("entity set %q: entity type %q derives "+
				"from itself", set, name)
		}
		seen[name] = true
		chain = append(chain, t)
		name = t.BaseType
	}
	e := &connectors.Entity{Name: set}
	for i := len(chain) - 1; i >= 0; i-- {
		t := chain[i]
		if len(t.Key) > 0 {
			e.Key = append([]string(nil), t.Key...)
		}
		for _, p := range t.Properties {
			if md.structured(p.Type) {
				continue
			}
			e.Columns = append(e.Columns, p.Column())
		}
	}
	return e, nil
}

// structured reports whether a property type is a complex type or a
// collection, which do not map to one column.
func (md *Metadata) structured(typ string) bool {
	return strings.HasPrefix(typ, "Collection(") || md.complex[md.qualify(typ)]
}

// Column maps the property to a column. Types without a mapping become
// strings, with SourceType telling what they were.
func (p Property) Column() connectors.Column {
	c := connectors.Column{Name: p.Name, SourceType: p.Type,
		Nullable: p.Nullable, Type: connectors.TypeString}
	switch p.Type {
	case "Edm.String":
	case "Edm.Byte", "Edm.SByte":
		c.Type, c.Bits = connectors.TypeInt, 8
	case "Edm.Int16":
		c.Type, c.Bits = connectors.TypeInt, 16
	case "Edm.Int32":
		c.Type, c.Bits = connectors.TypeInt, 32
	case "Edm.Int64":
		c.Type, c.Bits = connectors.TypeInt, 64
	case "Edm.Decimal":
		c.Type = connectors.TypeDecimal
		c.Precision, c.Scale = p.Precision, p.Scale
	case "Edm.Double", "Edm.Single":
		c.Type = connectors.TypeFloat
	case "Edm.Boolean":
		c.Type = connectors.TypeBool
	case "Edm.DateTimeOffset", "Edm.DateTime":
		c.Type = connectors.TypeTimestamp
	case "Edm.Date":
		c.Type = connectors.TypeDate
	case "Edm.Guid":
		c.Type = connectors.TypeUUID
	case "Edm.Binary":
		c.Type = connectors.TypeBinary
	}
	return c
}

// SimilarSet returns the entity set name closest to name, for "did you
// mean" hints, or "".
func (md *Metadata) SimilarSet(name string) string {
	names := md.EntitySets()
	sort.Strings(names)
	e := connectors.Entity{Columns: make([]connectors.Column, len(names))}
	for i, n := range names {
		e.Columns[i].Name = n
	}
	return e.Similar(name)
}
