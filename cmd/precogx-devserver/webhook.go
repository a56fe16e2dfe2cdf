package main

import (
	"context"
	"flag"
	"os"
	"time"

	"github.com/precogx/precogxexporter/internal/devserver"
)

const webhookTokenEnv = "PRECOGX_DEVSERVER_WEBHOOK_TOKEN"

// webhookFlags are the flags of the alert webhook (PrecogX's side of the
// precogxwebhook receiver).
type webhookFlags struct {
	fs    *flag.FlagSet
	url   *string
	token *string
}

func addWebhookFlags(fs *flag.FlagSet) *webhookFlags {
	return &webhookFlags{
		fs: fs,
		url: fs.String("webhook-url", "", "post a threat_detected alert to this URL for each stored interaction whose prompt "+
			"shows a known prompt-injection phrase (e.g. http://127.0.0.1:8089/precogx/webhook)"),
		token: fs.String("webhook-token", "", "send Authorization: Bearer <token> with each alert; $"+webhookTokenEnv+" is used when this flag is absent"),
	}
}

// start returns the running webhook, or nil without -webhook-url.
func (f *webhookFlags) start(logf func(string, ...any)) (*devserver.Webhook, error) {
	if *f.url == "" {
		return nil, nil
	}
	token := *f.token
	if !isSet(f.fs, "webhook-token") {
		token = os.Getenv(webhookTokenEnv)
	}
	return devserver.NewWebhook(devserver.WebhookOptions{URL: *f.url, Token: token, Logf: logf})
}

// onStored is the server's hook for w (nil without a webhook).
func onStored(w *devserver.Webhook) func([]devserver.Stored) {
	if w == nil {
		return nil
	}
	return w.Observe
}

// closeWebhook lets queued alerts go out for a few seconds at shutdown.
func closeWebhook(w *devserver.Webhook) {
	if w == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = w.Close(ctx)
}
