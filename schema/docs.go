package schema

// AttrDoc documents one attribute or nested block of the language's own
// blocks, for the generated reference in README.md.
type AttrDoc struct {
	Name        string
	Type        string
	Required    bool
	Default     string
	Description string
}

// BlockDoc documents one block type.
type BlockDoc struct {
	Header      string
	Description string
	Attrs       []AttrDoc
}

// Docs documents the blocks the schema package decodes itself. Source
// and destination blocks are documented by their connectors.
var Docs = []BlockDoc{
	{`variable "NAME"`, "An input value, set with --var, --var-file or SYNCCTL_VAR_NAME.", []AttrDoc{
		{"type", "type", false, "any", "Type constraint, e.g. string, number, list(string), set(string)."},
		{"default", "any", false, "none (required)", "Value when none is given."},
		{"description", "string", false, "", "What the variable is for."},
		{"sensitive", "bool", false, "false", "Hide the value in every output."},
		{"validation", "block", false, "", "condition (bool over var.NAME) and error_message; repeatable."},
	}},
	{"locals", "Named values computed once, referred to as local.NAME.", []AttrDoc{
		{"NAME", "any", false, "", "Any expression over variables and other locals."},
	}},
	{`source "TYPE" "NAME"`, "A source instance, or one per for_each element.", []AttrDoc{
		{"for_each", "set(string) or map", false, "", "One instance per element; each.key and each.value inside."},
	}},
	{`table "NAME"`, "One entity of a source loaded into one destination table.", []AttrDoc{
		{"for_each", "set or map", false, "", "Usually a source with for_each: one instance per tenant, all in one table."},
		{"source", "reference", true, "", "source.TYPE.NAME, or each.value."},
		{"destination", "reference", true, "", "destination.TYPE.NAME."},
		{"entity", "string", true, "", "Entity set to read, as the source names it."},
		{"destination_table", "string", false, "the block's label", "Destination table name."},
		{"primary_key", "list(string)", false, "the entity's key", "Merge key; required with date tracking."},
		{"batch_size", "number", false, "2000", "Rows per committed batch, 1 to 10000."},
		{"columns", "list(string)", false, "all", "Source columns to read (sent as $select); key and tracking columns are always read."},
		{"exclude", "list(string)", false, "none", "Source columns not to read."},
		{"rename", "map(string)", false, "none", "Source name to destination name."},
		{"where", "string", false, "none", "expr-lang row filter."},
		{"depends_on", "list(reference)", false, "none", "Tables or models to finish first."},
		{"tracking", "block", false, "type = \"none\"", "How rows are read: type = \"date\" (column, offset 0s..1h) or \"none\"."},
		{"column \"NAME\"", "block", false, "", "Computed column: expr (expr-lang) and optional type."},
	}},
	{`model "NAME"`, "SQL run in a destination after the tables and models it names.", []AttrDoc{
		{"destination", "reference", true, "", "destination.TYPE.NAME."},
		{"sql", "string", true, "", "A SELECT; ${table.NAME.name} and ${model.NAME.name} refer to other blocks."},
		{"materialized", "string", false, "\"view\"", "\"view\" or \"table\"."},
		{"depends_on", "list(reference)", false, "none", "Extra blocks to finish first."},
	}},
}
