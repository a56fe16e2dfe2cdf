package genai // import "github.com/precogx/precogxexporter/internal/genai"

import (
	"bytes"
	"encoding/json"

	"github.com/precogx/precogxexporter/internal/genai/content"
	"github.com/precogx/precogxexporter/internal/precogxapi"
)

// LangChain, through OpenInference's or OpenLLMetry's instrumentation: the
// provider in LangChain's own metadata (ls_provider), and a tool's output
// recorded as a serialized ToolMessage that names the tool and the call.

var langchainSource = &source{
	label: "langchain metadata",
	provider: func(s *span) string {
		md := s.openinference.metadata.text()
		if md == "" {
			return ""
		}
		var v struct {
			Provider string `json:"ls_provider"`
		}
		if json.Unmarshal([]byte(md), &v) == nil {
			return v.Provider
		}
		return ""
	},
}

type toolMessage struct {
	content      precogxapi.RawJSON
	name, callID string
}

// langchainToolMessage reads a serialized ToolMessage
// ({"lc":1,"type":"constructor","id":[...,"ToolMessage"],"kwargs":{...}},
// also wrapped as {"output":...}).
func langchainToolMessage(r precogxapi.RawJSON) (toolMessage, bool) {
	if len(r) == 0 || r[0] != '{' || !bytes.Contains(r, []byte(`"ToolMessage"`)) {
		return toolMessage{}, false
	}
	type msg struct {
		LC     int      `json:"lc"`
		ID     []string `json:"id"`
		Kwargs struct {
			Content    json.RawMessage `json:"content"`
			ToolCallID string          `json:"tool_call_id"`
			Name       string          `json:"name"`
		} `json:"kwargs"`
	}
	var w struct {
		msg
		Output *msg `json:"output"`
	}
	if json.Unmarshal(r, &w) != nil {
		return toolMessage{}, false
	}
	m := &w.msg
	if w.Output != nil {
		m = w.Output
	}
	if m.LC == 0 || len(m.ID) == 0 || m.ID[len(m.ID)-1] != "ToolMessage" {
		return toolMessage{}, false
	}
	return toolMessage{content: content.BlockValue(content.FromRaw(m.Kwargs.Content)), name: m.Kwargs.Name, callID: m.Kwargs.ToolCallID}, true
}
