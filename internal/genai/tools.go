package genai // import "github.com/precogx/precogxexporter/internal/genai"

import (
	"cmp"
	"encoding/json"
	"strings"

	"github.com/precogx/precogxexporter/internal/genai/content"
	"github.com/precogx/precogxexporter/internal/precogxapi"
)

// toolCalls applies rules 5 and 11: every tool span by start time, then the
// calls the model requested that have no span.
func (r *run) toolCalls(tools []int, calls []call) []precogxapi.ToolCall {
	defs := map[string]string{}
	for k := range calls {
		for _, d := range calls[k].toolDefs {
			if d.name != "" && d.description != "" {
				if _, ok := defs[d.name]; !ok {
					defs[d.name] = d.description
				}
			}
		}
	}
	out := make([]precogxapi.ToolCall, 0, len(tools))
	matched := make([]bool, len(tools))
	callIDs := make([]string, len(tools))
	for t, i := range tools {
		s := &r.spans[i]
		tc := precogxapi.ToolCall{Success: !s.failed}
		tc.Input = toolIO(s, s.tool.args, func(src *source) func(*span) (precogxapi.RawJSON, bool) { return src.toolInput })
		tc.Output = content.BlockValue(toolIO(s, s.tool.result, func(src *source) func(*span) (precogxapi.RawJSON, bool) { return src.toolOutput }))
		// a LangChain tool returns its serialized ToolMessage, which names
		// the tool and the call
		lc, isLC := langchainToolMessage(tc.Output)
		if isLC {
			tc.Output = lc.content
		}
		tc.Name = cmp.Or(s.tool.name.str(), lc.name, s.traceloop.entityName.str(), strings.TrimPrefix(s.name, "execute_tool "))
		tc.Description = cmp.Or(s.tool.description.str(), defs[tc.Name])
		callIDs[t] = cmp.Or(s.tool.callID.text(), lc.callID)
		if s.end >= s.start && s.end != 0 {
			tc.ExecutionMS = precogxapi.SomeInt(int64((s.end - s.start) / 1e6))
		}
		out = append(out, tc)
	}

	// requested calls: llm outputs, and the current turn's history
	var requested []content.Part
	seen := map[string]bool{}
	add := func(p content.Part) {
		key := p.ID
		if key == "" {
			key = p.Name + "\x00" + string(p.Args)
		}
		if seen[key] {
			return
		}
		seen[key] = true
		requested = append(requested, p)
	}
	if len(calls) > 0 {
		// the first call's history after the prompt: tool calls of this turn
		// made before the first call that was recorded
		in := calls[0].input
		start := 0
		for i := len(in) - 1; i >= 0; i-- {
			if isUser(&in[i]) && in[i].HasText() {
				start = i + 1
				break
			}
		}
		for i := start; i < len(in); i++ {
			for _, p := range in[i].Parts {
				if p.Kind == content.ToolCall {
					add(p)
				}
			}
		}
	}
	for k := range calls {
		for i := range calls[k].output {
			for _, p := range calls[k].output[i].Parts {
				if p.Kind == content.ToolCall {
					add(p)
				}
			}
		}
	}
	pending := requested[:0:0]
	for _, p := range requested {
		found := false
		if p.ID != "" {
			for t := range tools {
				if !matched[t] && callIDs[t] == p.ID {
					matched[t], found = true, true
					fillInput(&out[t], p)
					break
				}
			}
		}
		if !found {
			pending = append(pending, p)
		}
	}
	var results map[string]precogxapi.RawJSON
	for _, p := range pending {
		found := false
		for t := range tools {
			if !matched[t] && out[t].Name == p.Name {
				matched[t], found = true, true
				fillInput(&out[t], p)
				break
			}
		}
		if found {
			continue
		}
		tc := precogxapi.ToolCall{Name: p.Name, Description: defs[p.Name], Input: p.Args, Success: true}
		if p.ID != "" {
			if results == nil {
				results = r.toolResults(calls)
			}
			tc.Output = results[p.ID]
		}
		out = append(out, tc)
	}
	return out
}

// toolIO is a tool span's own argument (or result) attribute, else what the
// first source that has one keeps.
func toolIO(s *span, own attr, reader func(*source) func(*span) (precogxapi.RawJSON, bool)) precogxapi.RawJSON {
	if own.ok() {
		return content.FromValue(own.v)
	}
	for _, src := range sources {
		if read := reader(src); read != nil {
			if v, ok := read(s); ok {
				return v
			}
		}
	}
	return nil
}

// toolResults reads the tool results in every call's input, by call id.
func (r *run) toolResults(calls []call) map[string]precogxapi.RawJSON {
	results := map[string]precogxapi.RawJSON{}
	for k := range calls {
		r.parseInput(&calls[k])
		for i := range calls[k].input {
			for _, p := range calls[k].input[i].Parts {
				if p.Kind == content.ToolResult && p.ID != "" {
					results[p.ID] = p.Args
				}
			}
		}
	}
	return results
}

// fillInput gives a tool span the arguments of its requested call when the
// span has none, or only text whose argument names are lost (rule 11).
func fillInput(tc *precogxapi.ToolCall, p content.Part) {
	if len(p.Args) > 0 && (len(tc.Input) == 0 || (tc.Input[0] != '{' && tc.Input[0] != '[')) {
		tc.Input = p.Args
	}
}

// toolDefs reads the tool definitions offered to the model, from every
// source that has them.
func toolDefs(s *span) []toolDef {
	var defs []toolDef
	for _, src := range sources {
		if src.toolDefs != nil {
			defs = src.toolDefs(s, defs)
		}
	}
	return defs
}

// appendToolDef adds the tool definition JSON text s holds.
func appendToolDef(defs []toolDef, s string) []toolDef {
	var jd jsonToolDef
	if json.Unmarshal([]byte(s), &jd) == nil {
		defs = append(defs, jd.def())
	}
	return defs
}
