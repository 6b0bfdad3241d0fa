// A tiny ASP.NET Core minimal API: says hello, and answers a health check.
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();

app.MapGet("/", () => $"Hello, {Environment.GetEnvironmentVariable("NAME") ?? "World"}!\n");
app.MapGet("/healthz", () => Results.Json(new { status = "ok" }));

app.Run();
