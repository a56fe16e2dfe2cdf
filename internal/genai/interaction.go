package genai // import "github.com/precogx/precogxexporter/internal/genai"

import (
	"cmp"
	"encoding/hex"
	"slices"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/precogx/precogxexporter/internal/precogxapi"
)

// interaction builds the interaction of turn t and marks its spans used.
func (r *run) interaction(t *turn, used []bool) (Interaction, bool) {
	members := t.members
	var llms, tools, agents []int
	var conv convention
	for _, i := range members {
		s := &r.spans[i]
		switch s.role {
		case roleLLM:
			llms = append(llms, i)
		case roleTool:
			tools = append(tools, i)
		case roleAgent:
			agents = append(agents, i)
		}
		if s.role != roleNone {
			conv |= s.conv
		}
	}
	if len(llms) == 0 {
		return Interaction{}, false
	}
	llms, inner := r.nestedLLMs(llms)
	for k, i := range inner {
		for _, j := range i {
			r.spans[llms[k]].fillFrom(&r.spans[j], false)
		}
	}
	ix := Interaction{Spans: members}
	for _, i := range members {
		used[i] = true
		if !r.spans[i].synthetic {
			r.stats.SpansMapped++
		}
		if r.spans[i].partial {
			ix.Meta.Partial = true
		}
	}
	rs := &r.spans[t.root]
	res := &r.resources[rs.res]
	md := &ix.Meta

	// the calls are read within this turn only: the run's scratch
	r.calls = slices.Grow(r.calls[:0], len(llms))[:len(llms)]
	calls := r.calls
	for k, i := range llms {
		calls[k] = r.call(&r.spans[i], k == 0)
	}
	for k := range inner {
		r.fillCall(&calls[k], inner[k], k == 0)
	}

	// identities and context (rule 7): spans in order (root first), then the resource
	lookup := func(ids ...identity) string {
		for _, id := range ids {
			for _, slot := range identChains[id] {
				for _, i := range members {
					if v := r.spans[i].ident[slot]; v != "" {
						return v
					}
				}
				if v := res.ident[slot]; v != "" {
					return v
				}
			}
		}
		return ""
	}
	ix.UserID = lookup(idUser)
	ix.SessionID = lookup(idSession, idConversation)
	ix.ConversationID = cmp.Or(lookup(idConversation), ix.SessionID)
	md.Environment = lookup(idEnvironment)
	md.UserAgent = lookup(idUserAgent)
	md.IPAddress = lookup(idClientAddress)

	ix.AgentID = r.agentID(members, agents, res)
	md.AgentInternalID = r.firstOf(agents, members, func(s *span) string { return s.agentID.text() })

	// timing
	md.Timestamp = t.start
	if t.end != 0 && t.end >= t.start && t.start != 0 {
		md.ResponseTimeMS = precogxapi.SomeInt(int64((t.end - t.start) / 1e6))
	}
	md.TraceID, md.RootSpanID = hexIDs(rs.traceID, rs.spanID)
	md.ServiceName = res.serviceName
	md.Platform = cmp.Or(r.m.cfg.Platform, encodingLabel(conv))

	r.callMetadata(md, llms, calls)
	for _, i := range agents {
		if md.ModelProvider != "" {
			break
		}
		md.ModelProvider = normalizeProvider(providerOf(&r.spans[i]))
	}
	ix.Prompt, ix.Response = r.promptResponse(calls, rs, agents, &md.ContentSource)
	ix.ToolCalls = r.toolCalls(tools, calls)
	md.Custom = r.customFields(members, res)
	if r.m.redactor != nil {
		r.m.redactor.redact(&ix.Interaction, &r.stats.Redacted, r.hashed)
	}
	r.limit(&ix.Interaction)
	return ix, true
}

// callMetadata sums and picks what the model calls say (rule 6).
func (r *run) callMetadata(md *precogxapi.Meta, llms []int, calls []call) {
	md.LLMCallCount = len(llms)
	md.ResponseIDs = []string{}
	md.FinishReasons = []string{}
	md.ContentSource = []string{}
	var in, out, total int64
	var hasUsage bool
	for k, i := range llms {
		s := &r.spans[i]
		if c, ok := s.tokens(); ok {
			hasUsage = true
			in += c.in.V
			out += c.out.V
			total += c.total.V
		}
		if cost := s.cost.float(); cost.OK {
			md.CostUSD = precogxapi.SomeFloat(md.CostUSD.V + cost.V)
		}
		if id := s.responseID.text(); id != "" {
			md.ResponseIDs = append(md.ResponseIDs, id)
		}
		md.FinishReasons = append(md.FinishReasons, finishReasons(s, &calls[k])...)
		for _, src := range []string{calls[k].inSrc, calls[k].outSrc} {
			if src != "" && !slices.Contains(md.ContentSource, src) {
				md.ContentSource = append(md.ContentSource, src)
			}
		}
		temperature, maxTokens := s.temperature.float(), s.maxTokens.int()
		if temperature.OK {
			md.Temperature = temperature
		}
		if maxTokens.OK && maxTokens.V >= 0 {
			md.MaxTokens = maxTokens
		}
		if p := s.openinference.invocation(); p != nil {
			if !temperature.OK && p.Temperature != nil {
				md.Temperature = precogxapi.SomeFloat(*p.Temperature)
			}
			if !maxTokens.OK {
				if mt := p.maxTokens(); mt.OK && mt.V >= 0 {
					md.MaxTokens = mt
				}
			}
		}
	}
	if hasUsage {
		md.InputTokens, md.OutputTokens = precogxapi.SomeInt(in), precogxapi.SomeInt(out)
		md.TokensUsed = precogxapi.SomeInt(total)
	}
	last := &r.spans[llms[len(llms)-1]]
	md.RequestModel = last.requestModelOf()
	md.Model = cmp.Or(last.responseModel.text(), md.RequestModel)
	for k := len(llms) - 1; k >= 0 && md.ModelProvider == ""; k-- {
		md.ModelProvider = normalizeProvider(providerOf(&r.spans[llms[k]]))
	}
}

// finishReasons are the call's own, else those of its output messages.
func finishReasons(s *span, c *call) []string {
	for _, src := range sources {
		if src.finish != nil {
			if fr, ok := src.finish(s); ok {
				return fr
			}
		}
	}
	var out []string
	for i := range c.output {
		if f := c.output[i].Finish; f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (s *span) requestModelOf() string {
	if m := s.requestModel.text(); m != "" {
		return m
	}
	if p := s.openinference.invocation(); p != nil {
		return p.Model
	}
	return ""
}

// providerOf is the provider of the first source that names one.
func providerOf(s *span) string {
	for _, src := range sources {
		if src.provider != nil {
			if p := src.provider(s); p != "" {
				return p
			}
		}
	}
	return ""
}

var providerAliases = map[string]string{
	"azure_openai": "azure.ai.openai", "az.ai.openai": "azure.ai.openai", "azure-openai": "azure.ai.openai", "azure": "azure.ai.openai",
	"az.ai.inference": "azure.ai.inference",
	"bedrock":         "aws.bedrock", "aws_bedrock": "aws.bedrock", "amazon-bedrock": "aws.bedrock", "amazon_bedrock": "aws.bedrock",
	"vertex_ai": "gcp.vertex_ai", "vertexai": "gcp.vertex_ai", "google.vertex": "gcp.vertex_ai", "vertex": "gcp.vertex_ai",
	"gemini": "gcp.gemini", "google.generative-ai": "gcp.gemini", "google": "gcp.gemini", "google_genai": "gcp.gemini",
	"mistral": "mistral_ai", "mistralai": "mistral_ai",
	"xai": "x_ai", "grok": "x_ai",
	"watsonx": "ibm.watsonx.ai",
}

// normalizeProvider lower-cases a provider and folds known aliases, such as
// the AI SDK's "openai.responses" or "anthropic.messages".
func normalizeProvider(p string) string {
	p = strings.ToLower(strings.TrimSpace(p))
	if p == "" {
		return ""
	}
	if a, ok := providerAliases[p]; ok {
		return a
	}
	switch p {
	case "azure.ai.openai", "azure.ai.inference", "aws.bedrock", "gcp.vertex_ai", "gcp.gemini", "gcp.gen_ai", "ibm.watsonx.ai":
		return p
	}
	if strings.HasPrefix(p, "google.vertex") {
		return "gcp.vertex_ai"
	}
	if head, _, ok := strings.Cut(p, "."); ok {
		if a, ok := providerAliases[head]; ok {
			return a
		}
		return head
	}
	return p
}

// agentID resolves agentId (rule 3).
func (r *run) agentID(members, agents []int, res *resource) string {
	if r.m.cfg.AgentID != "" {
		return r.m.cfg.AgentID
	}
	for _, k := range r.m.cfg.AgentIDAttributes {
		for _, i := range members {
			if v, ok := r.spans[i].attrs.Get(k); ok && v.AsString() != "" {
				return v.AsString()
			}
		}
		if v, ok := res.res.Attributes().Get(k); ok && v.AsString() != "" {
			return v.AsString()
		}
	}
	for _, name := range []func(*span) string{
		func(s *span) string { return cmp.Or(s.agentName.str(), s.openinference.agentName.str()) },
		func(s *span) string { return s.vercel.functionID.str() },
		traceloopAgent,
	} {
		if v := r.firstOf(agents, members, name); v != "" {
			return v
		}
	}
	return cmp.Or(res.serviceName, "unknown_service")
}

// firstOf is the first non-empty name of the agent spans, then of the
// members (in which the agents come again).
func (r *run) firstOf(agents, members []int, name func(*span) string) string {
	for _, list := range [2][]int{agents, members} {
		for _, i := range list {
			if v := name(&r.spans[i]); v != "" {
				return v
			}
		}
	}
	return ""
}

// customFields copies mapping.metadata_attributes (spans first, then resource).
func (r *run) customFields(members []int, res *resource) []precogxapi.CustomField {
	var out []precogxapi.CustomField
	for _, k := range r.m.cfg.MetadataAttributes {
		found := false
		for _, i := range members {
			if v, ok := r.spans[i].attrs.Get(k); ok {
				out = append(out, precogxapi.CustomField{Key: k, Value: v})
				found = true
				break
			}
		}
		if !found {
			if v, ok := res.res.Attributes().Get(k); ok {
				out = append(out, precogxapi.CustomField{Key: k, Value: v})
			}
		}
	}
	return out
}

// hexIDs writes a trace and a span id in hex, in one string.
func hexIDs(trace pcommon.TraceID, span pcommon.SpanID) (string, string) {
	var b [2 * (len(trace) + len(span))]byte
	hex.Encode(b[:], trace[:])
	hex.Encode(b[2*len(trace):], span[:])
	s := string(b[:])
	return s[:2*len(trace)], s[2*len(trace):]
}
