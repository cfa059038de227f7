package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// Config is the decoded configuration of one directory.
type Config struct {
	Dir          string
	Parser       *hclparse.Parser
	Variables    map[string]*Variable
	Locals       []*hcl.Attribute
	Sources      []*Source
	Destinations []*Destination
	Tables       []*Table
	Models       []*Model
}

// Files returns the parsed files by name, for rendering diagnostics.
func (c *Config) Files() map[string]*hcl.File { return c.Parser.Files() }

// rootSchema lists the top-level blocks.
var rootSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "source", LabelNames: []string{"type", "name"}},
		{Type: "destination", LabelNames: []string{"type", "name"}},
		{Type: "table", LabelNames: []string{"name"}},
		{Type: "model", LabelNames: []string{"name"}},
	},
}

// ConfigFiles lists the configuration files of dir: every *.hcl file
// except *.vars.hcl, sorted by name.
func ConfigFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".hcl") || strings.HasSuffix(n, ".vars.hcl") {
			continue
		}
		files = append(files, filepath.Join(dir, n))
	}
	sort.Strings(files)
	return files, nil
}

// Load parses and decodes every configuration file of dir. The returned
// Config is usable even when diagnostics contain errors, so callers can
// render them with the files' source.
func Load(dir string) (*Config, hcl.Diagnostics) {
	cfg := &Config{Dir: dir, Parser: hclparse.NewParser(),
		Variables: map[string]*Variable{}}
	files, err := ConfigFiles(dir)
	if err != nil {
		return cfg, hcl.Diagnostics{{Severity: hcl.DiagError,
			Summary: "Cannot read configuration directory",
			Detail:  err.Error()}}
	}
	if len(files) == 0 {
		return cfg, hcl.Diagnostics{{Severity: hcl.DiagError,
			Summary: "No configuration files",
			Detail: fmt.Sprintf("The directory %s has no *.hcl files. Create one, or point --chdir at the directory that holds them.",
				displayDir(dir))}}
	}
	srcs := map[string][]byte{}
	var diags hcl.Diagnostics
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
				Summary: "Cannot read configuration file", Detail: err.Error()})
			continue
		}
		srcs[filepath.Base(name)] = src
	}
	_, d := cfg.parse(srcs)
	return cfg, append(diags, d...)
}

// LoadSources decodes configuration files given by name and content, as
// Load does with files on disk; dir is where relative paths resolve.
func LoadSources(dir string, files map[string][]byte) (*Config, hcl.Diagnostics) {
	cfg := &Config{Dir: dir, Parser: hclparse.NewParser(),
		Variables: map[string]*Variable{}}
	return cfg.parse(files)
}

// parse decodes files in name order.
func (c *Config) parse(files map[string][]byte) (*Config, hcl.Diagnostics) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var diags hcl.Diagnostics
	for _, name := range names {
		f, fd := c.Parser.ParseHCL(files[name], name)
		diags = append(diags, fd...)
		if f == nil {
			continue
		}
		diags = append(diags, c.decodeFile(f)...)
	}
	diags = append(diags, c.checkDuplicates()...)
	return c, diags
}

func displayDir(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

// decodeFile decodes the top-level blocks of one file.
func (c *Config) decodeFile(f *hcl.File) hcl.Diagnostics {
	content, diags := f.Body.Content(rootSchema)
	for _, b := range content.Blocks {
		switch b.Type {
		case "variable":
			v, d := decodeVariable(b)
			diags = append(diags, d...)
			if v != nil {
				if prev, ok := c.Variables[v.Name]; ok {
					diags = append(diags, duplicate("variable", v.Name, prev.DeclRange, v.DeclRange))
					continue
				}
				c.Variables[v.Name] = v
			}
		case "locals":
			attrs, d := b.Body.JustAttributes()
			diags = append(diags, d...)
			for _, a := range sortedAttrs(attrs) {
				for _, prev := range c.Locals {
					if prev.Name == a.Name {
						diags = append(diags, duplicate("local value", a.Name, prev.NameRange, a.NameRange))
					}
				}
				c.Locals = append(c.Locals, a)
			}
		case "source":
			s, d := decodeSource(b)
			diags = append(diags, d...)
			c.Sources = append(c.Sources, s)
		case "destination":
			dst, d := decodeDestination(b)
			diags = append(diags, d...)
			c.Destinations = append(c.Destinations, dst)
		case "table":
			t, d := decodeTable(b)
			diags = append(diags, d...)
			c.Tables = append(c.Tables, t)
		case "model":
			m, d := decodeModel(b)
			diags = append(diags, d...)
			c.Models = append(c.Models, m)
		}
	}
	return diags
}

// checkDuplicates reports blocks declared twice.
func (c *Config) checkDuplicates() hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]hcl.Range{}
	check := func(kind, addr string, r hcl.Range) {
		if prev, ok := seen[addr]; ok {
			diags = append(diags, duplicate(kind, addr, prev, r))
			return
		}
		seen[addr] = r
	}
	for _, s := range c.Sources {
		check("source", s.Addr(), s.DeclRange)
	}
	for _, d := range c.Destinations {
		check("destination", d.Addr(), d.DeclRange)
	}
	for _, t := range c.Tables {
		check("table", t.Addr(), t.DeclRange)
	}
	for _, m := range c.Models {
		check("model", m.Addr(), m.DeclRange)
	}
	return diags
}

func duplicate(kind, name string, prev, cur hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Duplicate %s %s", kind, name),
		Detail: fmt.Sprintf("A %s with this name is already declared at %s. Names must be unique; rename or remove one of them.",
			kind, prev),
		Subject: cur.Ptr(),
	}
}

// sortedAttrs returns attributes in source order.
func sortedAttrs(attrs hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Range.Start.Byte < out[j].Range.Start.Byte
	})
	return out
}
