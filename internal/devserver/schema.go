package devserver

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

//go:embed testdata/interaction.schema.json
var embeddedSchema []byte

// schemaURL is where the schema is registered in the compiler; any absolute
// URL works because nothing is fetched.
const schemaURL = "https://precogx.dev/schemas/interaction.schema.json"

var printer = message.NewPrinter(language.English)

// Detail is one validation failure: the interaction's index in the request
// (0 for single-interaction endpoints), a JSON pointer into it, and why.
type Detail struct {
	Index   int    `json:"index"`
	Path    string `json:"path"`
	Message string `json:"message"`
}

// compileSchema compiles the embedded schema, or the file at path when set,
// with format assertion on so "date-time" is enforced.
func compileSchema(path string) (*jsonschema.Schema, error) {
	data := embeddedSchema
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("read schema: %w", err)
		}
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("parse schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, err
	}
	return c.Compile(schemaURL)
}

// validate checks one interaction (already known to be valid JSON) and
// returns its failures sorted by path, or nil.
func (s *Server) validate(index int, raw []byte, marker string) []Detail {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return []Detail{{index, "", "invalid JSON: " + err.Error()}}
	}
	var out []Detail
	if err := s.schema.Validate(v); err != nil {
		ve, ok := err.(*jsonschema.ValidationError)
		if !ok {
			return []Detail{{index, "", err.Error()}}
		}
		out = flatten(ve, index, out)
	}
	if obj, ok := v.(map[string]any); ok && marker != "" {
		if p, ok := obj["prompt"].(string); ok && strings.Contains(p, marker) {
			out = append(out, Detail{index, "/prompt", "prompt contains the reject marker (injected fault)"})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// flatten keeps only the leaves of the error tree: the inner nodes ($ref,
// allOf, the root) only repeat what their causes say.
func flatten(ve *jsonschema.ValidationError, index int, out []Detail) []Detail {
	if len(ve.Causes) > 0 {
		for _, c := range ve.Causes {
			out = flatten(c, index, out)
		}
		return out
	}
	at := pointer(ve.InstanceLocation)
	switch k := ve.ErrorKind.(type) {
	case *kind.Required:
		// Point at the missing member itself, e.g. /agentId, not its parent.
		for _, m := range k.Missing {
			out = append(out, Detail{index, at + "/" + escape(m), "required property is missing"})
		}
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			out = append(out, Detail{index, at + "/" + escape(p), "property is not allowed"})
		}
	default:
		out = append(out, Detail{index, at, ve.ErrorKind.LocalizedString(printer)})
	}
	return out
}

func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(escape(t))
	}
	return b.String()
}

func escape(token string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(token)
}
