// One create/update/invoke/version/alias/URL/error run of the AWS SDK for JavaScript v3
// against the Lab's endpoint (argv[2]). Prints one JSON report for the Python test to judge.
import {
  LambdaClient, CreateFunctionCommand, GetFunctionCommand, InvokeCommand,
  UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand, PublishVersionCommand,
  CreateAliasCommand, GetAliasCommand, ListAliasesCommand, CreateFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand, UpdateFunctionUrlConfigCommand, ListFunctionUrlConfigsCommand,
  DeleteFunctionUrlConfigCommand, ListFunctionsCommand, ListVersionsByFunctionCommand,
  InvokeWithResponseStreamCommand, DeleteFunctionCommand, GetFunctionConfigurationCommand,
  waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2, waitUntilPublishedVersionActive,
} from "@aws-sdk/client-lambda";
import { readFileSync } from "node:fs";

const [endpoint, zipPath, zipPath2] = process.argv.slice(2);
const client = new LambdaClient({
  endpoint, region: "us-east-1", maxAttempts: 1,
  credentials: { accessKeyId: "AKIAFAKEFORJSTESTS", secretAccessKey: "fake-secret" },
});
const name = "js-sdk-fn";
const waiting = { client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 };
const report = {};
const meta = (out) => ({ status: out.$metadata.httpStatusCode, requestId: out.$metadata.requestId });
const text = (bytes) => new TextDecoder().decode(bytes);

const created = await client.send(new CreateFunctionCommand({
  FunctionName: name, Runtime: "python3.12", Role: "arn:aws:iam::123456789012:role/js",
  Handler: "lambda_function.lambda_handler", Code: { ZipFile: readFileSync(zipPath) },
  Environment: { Variables: {} },
}));
report.create = { ...meta(created), State: created.State, StateReasonCode: created.StateReasonCode,
  Environment: created.Environment, RuntimeVersionArn: created.RuntimeVersionConfig?.RuntimeVersionArn };
report.waitActive = (await waitUntilFunctionActiveV2(waiting, { FunctionName: name })).state;
const invoked = await client.send(new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode('{"n": 1}'), LogType: "Tail" }));
report.invoke = { ...meta(invoked), StatusCode: invoked.StatusCode, ExecutedVersion: invoked.ExecutedVersion,
  Payload: text(invoked.Payload), hasLog: Boolean(invoked.LogResult) };
const code = await client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: readFileSync(zipPath2) }));
report.updateCode = { ...meta(code), LastUpdateStatus: code.LastUpdateStatus };
report.waitUpdated = (await waitUntilFunctionUpdatedV2(waiting, { FunctionName: name })).state;
const conf = await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, MemorySize: 256 }));
report.updateConfig = { ...meta(conf), MemorySize: conf.MemorySize, LastUpdateStatus: conf.LastUpdateStatus };
report.waitUpdated2 = (await waitUntilFunctionUpdatedV2(waiting, { FunctionName: name })).state;
const version = await client.send(new PublishVersionCommand({ FunctionName: name, Description: "v1" }));
report.publish = { ...meta(version), Version: version.Version, FunctionArn: version.FunctionArn };
report.waitVersion = (await waitUntilPublishedVersionActive(waiting, { FunctionName: name, Qualifier: "1" })).state;
const alias = await client.send(new CreateAliasCommand({ FunctionName: name, Name: "live", FunctionVersion: "1" }));
report.alias = { ...meta(alias), AliasArn: alias.AliasArn };
report.getAlias = (await client.send(new GetAliasCommand({ FunctionName: name, Name: "live" }))).FunctionVersion;
report.listAliases = (await client.send(new ListAliasesCommand({ FunctionName: name }))).Aliases.map((a) => a.Name);
const viaAlias = await client.send(new GetFunctionCommand({ FunctionName: name, Qualifier: "live" }));
report.getFunctionAlias = { FunctionArn: viaAlias.Configuration.FunctionArn, Version: viaAlias.Configuration.Version, State: viaAlias.Configuration.State };
const aliasInvoke = await client.send(new InvokeCommand({ FunctionName: `${name}:live`, Payload: new TextEncoder().encode("{}") }));
report.invokeAlias = { ExecutedVersion: aliasInvoke.ExecutedVersion, Payload: text(aliasInvoke.Payload) };
const versions = await client.send(new ListVersionsByFunctionCommand({ FunctionName: name }));
report.versions = versions.Versions.map((v) => [v.Version, v.FunctionArn, v.State === undefined]);
const url = await client.send(new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "NONE",
  Cors: { AllowOrigins: ["https://example.com"], MaxAge: 60 } }));
report.createUrl = { ...meta(url), AuthType: url.AuthType, hasUrl: Boolean(url.FunctionUrl), InvokeMode: url.InvokeMode ?? null };
const gotUrl = await client.send(new GetFunctionUrlConfigCommand({ FunctionName: name }));
report.getUrl = { InvokeMode: gotUrl.InvokeMode, Cors: gotUrl.Cors, hasTimes: Boolean(gotUrl.CreationTime && gotUrl.LastModifiedTime) };
const updatedUrl = await client.send(new UpdateFunctionUrlConfigCommand({ FunctionName: name, AuthType: "AWS_IAM", InvokeMode: "RESPONSE_STREAM" }));
report.updateUrl = { AuthType: updatedUrl.AuthType, InvokeMode: updatedUrl.InvokeMode };
report.listUrls = (await client.send(new ListFunctionUrlConfigsCommand({ FunctionName: name }))).FunctionUrlConfigs.length;
report.deleteUrl = meta(await client.send(new DeleteFunctionUrlConfigCommand({ FunctionName: name })));
const stream = await client.send(new InvokeWithResponseStreamCommand({ FunctionName: name, Payload: new TextEncoder().encode('{"n": 2}') }));
const events = [];
for await (const event of stream.EventStream) {
  if (event.PayloadChunk) events.push(["PayloadChunk", text(event.PayloadChunk.Payload)]);
  if (event.InvokeComplete) events.push(["InvokeComplete", event.InvokeComplete.ErrorCode ?? null]);
}
report.stream = { ...meta(stream), ExecutedVersion: stream.ExecutedVersion, events };
const listed = await client.send(new ListFunctionsCommand({ MaxItems: 51 }));
report.list = { count: listed.Functions.length, hasState: listed.Functions.some((f) => "State" in f && f.State !== undefined) };
try {
  await client.send(new GetFunctionConfigurationCommand({ FunctionName: "js-sdk-missing" }));
  report.error = "no error";
} catch (error) {
  report.error = { name: error.name, Message: error.Message ?? null, Type: error.Type ?? null,
    message: error.message, status: error.$metadata?.httpStatusCode, requestId: error.$metadata?.requestId ?? null };
}
try {
  await client.send(new CreateFunctionCommand({ FunctionName: "bad-role", Role: "r1",
    Code: { ZipFile: readFileSync(zipPath) } }));
  report.validation = "no error";
} catch (error) {
  report.validation = { name: error.name, message: error.message, status: error.$metadata?.httpStatusCode };
}
const deleted = await client.send(new DeleteFunctionCommand({ FunctionName: name }));
report.delete = { ...meta(deleted), StatusCode: deleted.StatusCode };
console.log(JSON.stringify(report));
