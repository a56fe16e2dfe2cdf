package genaitest

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// SupportAgent is the agentId of the support turns.
const SupportAgent = "support-assistant"

// SupportIDs are the user, session and conversation ids of every support turn.
var SupportIDs = [3]string{"customer-8812", "sess-2024-01-15-a", "conv-77f3a1"}

// SupportValues are the personal data and secrets that the support turns
// carry in every field redaction covers: prompt, response, tool input and
// output (nested JSON, escaped, plain strings), a custom metadata attribute
// (support.ticket), the user agent and the client address.
var SupportValues = []string{
	"jane.doe@example.com", "billing+eu@shop.example.co.uk", "it-admin@example.org", "j.smith@example.net",
	"+44 20 7946 0958", "(415) 555-2671", "+1-212-555-0199", "650.555.0142",
	"4111 1111 1111 1111", "5555-5555-5555-4444", "378282246310005",
	"AKIAIOSFODNN7EXAMPLE", "sk-proj-Xy7Kp2Lm9Qr4St6Uv8Wz1Ab3Cd5Ef", "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
	"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
	"MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun", "xoxb-2048-4096-AbCdEfGhIjKlMnOp",
	"203.0.113.7", "198.51.100.23", "2001:db8:85a3::8a2e:370:7334", "::ffff:192.0.2.128",
	"ZX-4471-ACME",
}

// SupportDecoys look like values and are none: they must arrive as sent.
var SupportDecoys = []string{
	"order 4155552671", "2024-01-15", "10:30:00", "$1,299.99", "v1.2.3", "550e8400-e29b-41d4-a716-446655440000",
	"@support-team", "sketch", "4111 1111 1111 1112", "1718900000", "Chrome/120.0.0.0", "deadbeefcafe0123",
	"sk-learn", "RFC 4291", "3.50",
}

// SupportTurns appends three turns of a customer-support assistant in GenAI
// semconv >= 1.37, each an invoke_agent root, a chat call asking for a tool,
// the tool span and the chat call that answers. ZX-4471-ACME is a contract
// number, for a user pattern.
func SupportTurns(spans ptrace.SpanSlice, start time.Time) {
	ident := map[string]any{"user.id": SupportIDs[0], "session.id": SupportIDs[1], "gen_ai.conversation.id": SupportIDs[2],
		"user_agent.original": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.0.0 SupportWidget/3.2 (ops: it-admin@example.org)",
		"client.address":      "198.51.100.23",
		"support.ticket": map[string]any{"channel": "chat", "contact": map[string]any{"email": "j.smith@example.net",
			"phones": []any{"+1-212-555-0199", "internal 4471"}}, "priority": 2},
	}
	supportTurn(spans, TraceID("support", 1), start, ident,
		"Hi, I'm Jane (jane.doe@example.com). My card 4111 1111 1111 1111 was charged twice for order 4155552671 "+
			"on 2024-01-15 at 10:30:00, $1,299.99 each. Call me on +44 20 7946 0958 or (415) 555-2671. Contract ZX-4471-ACME.",
		"lookup_customer", `{"email":"jane.doe@example.com","phone":"(415) 555-2671","filters":{"since":"2024-01-15","card_hint":"4111 1111 1111 1112"}}`,
		`{"customer":{"id":"550e8400-e29b-41d4-a716-446655440000","emails":["jane.doe@example.com","billing\u002beu@shop.example.co.uk"],`+
			`"cards":[{"number":"5555-5555-5555-4444","exp":"10/27"}],"last_login_ip":"203.0.113.7"},"ts":1718900000}`,
		"Thanks Jane. I found both charges of $1,299.99 on the card 4111 1111 1111 1111 and refunded one; the receipt "+
			"goes to jane.doe@example.com. @support-team please check the sketch of the refund flow.")
	supportTurn(spans, TraceID("support", 2), start.Add(time.Minute), ident,
		"Our integration (v1.2.3) fails: the logs show key AKIAIOSFODNN7EXAMPLE and the header "+
			"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U "+
			"from host 2001:db8:85a3::8a2e:370:7334 at 10:30:00. We use sk-learn, not sk-proj-Xy7Kp2Lm9Qr4St6Uv8Wz1Ab3Cd5Ef!",
		"fetch_logs", `{"host":"::ffff:192.0.2.128","token":"ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789","request_id":"deadbeefcafe0123"}`,
		"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END RSA PRIVATE KEY-----\n"+
			"slack: xoxb-2048-4096-AbCdEfGhIjKlMnOp",
		"Rotate the AWS key AKIAIOSFODNN7EXAMPLE and the OpenAI key now; the address 2001:db8:85a3::8a2e:370:7334 is "+
			"an IPv6 address as in RFC 4291. Costs are $3.50 per million tokens.")
	supportTurn(spans, TraceID("support", 3), start.Add(2*time.Minute), ident,
		"Please update my phone to 650.555.0142 and send the invoice for card 378282246310005 to billing+eu@shop.example.co.uk.",
		"update_contact", `{"phone":"650.555.0142","card":{"amex":"378282246310005"},"note":"ticket created 1718900000"}`,
		`"updated; invoice queued for billing+eu@shop.example.co.uk"`,
		"Done: your phone is now 650.555.0142 and the invoice for the Amex ending 0005 goes to billing+eu@shop.example.co.uk.")
}

func supportTurn(spans ptrace.SpanSlice, id pcommon.TraceID, start time.Time, ident map[string]any,
	prompt, tool, args, result, answer string) {
	add := spanAdder(spans, id, start)
	chat := func(input, output string) map[string]any {
		return map[string]any{"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini",
			"gen_ai.input.messages": input, "gen_ai.output.messages": output, "gen_ai.usage.input_tokens": 50, "gen_ai.usage.output_tokens": 20}
	}
	root := map[string]any{"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": SupportAgent}
	for k, v := range ident {
		root[k] = v
	}
	user := `[{"role":"user","parts":[{"type":"text","content":` + quote(prompt) + `}]}]`
	add(1, 0, 0, 900, "invoke_agent "+SupportAgent, root)
	add(2, 1, 1, 300, "chat gpt-4o-mini", chat(user,
		`[{"role":"assistant","parts":[{"type":"tool_call","id":"call_1","name":"`+tool+`","arguments":`+args+`}]}]`))
	add(3, 1, 301, 400, "execute_tool "+tool, map[string]any{"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool,
		"gen_ai.tool.call.id": "call_1", "gen_ai.tool.call.arguments": args, "gen_ai.tool.call.result": result})
	add(4, 1, 401, 899, "chat gpt-4o-mini", chat(user, `[{"role":"assistant","parts":[{"type":"text","content":`+quote(answer)+`}]}]`))
}
