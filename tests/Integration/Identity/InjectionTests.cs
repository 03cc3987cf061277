using System.Net;
using System.Net.Http.Json;
using ClaudeBatch.Integration.Tests.Support;

namespace ClaudeBatch.Integration.Tests.Identity;

/// <summary>The original verified passwords by pasting them into a python command. Nothing here may run anything.</summary>
[Collection(ThirdApiCollection.Name)]
public sealed class InjectionTests(ApiFactory api)
{
    public static TheoryData<string> Payloads(string canary) =>
    [
        $"x' + str(__import__('os').system('touch {canary}')) + '",
        $"x\" + str(__import__('os').system('touch {canary}')) + \"",
        $"$(touch {canary})",
        $"`touch {canary}`",
        $"x; touch {canary}",
        $"x\ntouch {canary}\n",
        $"x\0; touch {canary}",
        $"x' ; import os; os.system('touch {canary}') #",
    ];

    [Fact]
    public async Task Injection_payloads_in_username_or_password_are_refused_and_run_nothing()
    {
        var canary = Path.Combine(Path.GetTempPath(), "CANARY-" + Guid.NewGuid().ToString("N"));
        var user = api.Accounts.Add();
        var client = api.CreateClient();

        foreach (var payload in Payloads(canary))
        {
            var asUsername = await client.PostAsJsonAsync("/auth/login", new { username = payload, password = "whatever" });
            var asPassword = await client.PostAsJsonAsync("/auth/login", new { username = user.Username, password = payload });

            asUsername.StatusCode.ShouldBe(HttpStatusCode.BadRequest, payload);
            asPassword.StatusCode.ShouldBeOneOf(HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized);
        }

        File.Exists(canary).ShouldBeFalse();
        File.Exists(Path.Combine(AppContext.BaseDirectory, Path.GetFileName(canary))).ShouldBeFalse();
    }
}
