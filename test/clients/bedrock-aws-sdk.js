'use strict';
// Amazon Bedrock Converse / ConverseStream (@aws-sdk/client-bedrock-runtime)
// with the official @opentelemetry/instrumentation-aws-sdk, whose Bedrock
// Runtime extension emits GenAI semconv `chat` spans (usage, models, finish
// reasons; no prompt or answer content: it records none).
//
// Root and tool spans are the application's own (lib/otel.js), with user.id /
// session.id, as with the official OpenAI instrumentation.

const { setupOtel } = require('./lib/otel');
const c = require('./lib/common');
const sc = require('./lib/scenarios');

// 1. SDK first, 2. instrumentation, 3. only then require the AWS SDK.
const otel = setupOtel({ serviceName: 'clients-bedrock-aws-sdk' });
const { AwsInstrumentation } = require('@opentelemetry/instrumentation-aws-sdk');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
registerInstrumentations({ instrumentations: [new AwsInstrumentation()], tracerProvider: otel.tracerProvider });
const bedrock = require('@aws-sdk/client-bedrock-runtime');

sc.runStack({
  label: 'bedrock-aws-sdk',
  scenarios: sc.BASIC,
  setup: async ({ url }) => ({
    client: new bedrock.BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: url,
      credentials: { accessKeyId: 'AKIAFAKEFORTESTS0000', secretAccessKey: 'fake-secret-for-tests' },
    }),
  }),
  turn: (spec, fn) => otel.invokeAgent(spec, 'aws.bedrock', c.BEDROCK_MODEL, fn),
  ask: (spec, { client }) => sc.bedrockConverse(bedrock, client, spec, otel.executeTool),
  flush: otel.flush,
  shutdown: () => otel.shutdown(),
});
