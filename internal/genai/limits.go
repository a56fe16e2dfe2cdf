package genai // import "github.com/precogx/precogxexporter/internal/genai"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/precogx/precogxexporter/internal/pdatautil"
	"github.com/precogx/precogxexporter/internal/precogxapi"
)

// Bounds of an interaction besides Config.MaxFieldBytes, so that one hostile
// or runaway span cannot make a payload of many megabytes.
const (
	// maxIdentifierBytes bounds ids, names and labels: agentId, userId,
	// sessionId, conversationId, models, provider, environment, service and
	// tool names, response ids, finish reasons, ip_address.
	maxIdentifierBytes = 256
	// maxToolCalls bounds toolCalls; the rest are counted in
	// metadata.tool_calls_dropped.
	maxToolCalls = 256
	// maxListEntries bounds response_ids and finish_reasons.
	maxListEntries = 256
)

// limit applies the bounds: text fields to MaxFieldBytes, identifiers to
// maxIdentifierBytes, lists to their entry bounds (UTF-8 safe); each cut
// sets metadata.truncated and counts in Stats.Truncated.
func (r *run) limit(ix *precogxapi.Interaction) {
	limit := r.m.cfg.MaxFieldBytes
	md := &ix.Meta
	cut := func(s *string, n int) {
		if n > 0 && len(*s) > n {
			*s = precogxapi.TruncateUTF8(*s, n)
			md.Truncated = true
			r.stats.Truncated++
		}
	}
	cutRaw := func(j *precogxapi.RawJSON) {
		if limit > 0 && len(*j) > limit {
			*j = pdatautil.AppendJSONString(nil, precogxapi.TruncateUTF8(string(*j), limit))
			md.Truncated = true
			r.stats.Truncated++
		}
	}
	cut(&ix.Prompt, limit)
	cut(&ix.Response, limit)
	if n := len(ix.ToolCalls); n > maxToolCalls {
		ix.ToolCalls = ix.ToolCalls[:maxToolCalls]
		md.ToolCallsDropped = n - maxToolCalls
		md.Truncated = true
		r.stats.Truncated++
	}
	for i := range ix.ToolCalls {
		tc := &ix.ToolCalls[i]
		cut(&tc.Name, maxIdentifierBytes)
		cut(&tc.Description, limit)
		cutRaw(&tc.Input)
		cutRaw(&tc.Output)
	}
	for _, s := range []*string{&ix.AgentID, &ix.UserID, &ix.SessionID, &ix.ConversationID, &md.Platform, &md.Environment,
		&md.Model, &md.ModelProvider, &md.RequestModel, &md.ServiceName, &md.AgentInternalID, &md.IPAddress} {
		cut(s, maxIdentifierBytes)
	}
	cut(&md.UserAgent, limit)
	for _, list := range []*[]string{&md.ResponseIDs, &md.FinishReasons} {
		if len(*list) > maxListEntries {
			*list = (*list)[:maxListEntries]
			md.Truncated = true
			r.stats.Truncated++
		}
		for i := range *list {
			cut(&(*list)[i], maxIdentifierBytes)
		}
	}
	for i := range md.Custom {
		f := &md.Custom[i]
		if limit > 0 && pdatautil.ValueSize(f.Value) > int64(limit) {
			// the attribute belongs to the span: the cut goes to a new value
			text := string(pdatautil.AppendJSONValue(nil, f.Value))
			if f.Value.Type() == pcommon.ValueTypeStr {
				text = f.Value.Str()
			}
			if len(text) > limit {
				f.Value = pcommon.NewValueStr(precogxapi.TruncateUTF8(text, limit))
				md.Truncated = true
				r.stats.Truncated++
			}
		}
	}
}
