using ClaudeBatch.Infrastructure.Persistence;
using Npgsql;

namespace ClaudeBatch.Unit.Tests.Configuration;

public sealed class PooledConnectionTests
{
    private const string Plain = "Host=127.0.0.1;Database=claudebatch;Username=claudebatch";

    [Fact]
    public void Pooled_connections_prepare_the_statements_they_run_often()
    {
        var pooled = new NpgsqlConnectionStringBuilder(PersistenceRegistration.ForPooling(Plain));

        pooled.MaxAutoPrepare.ShouldBe(PersistenceRegistration.AutoPreparedStatements);
        pooled.AutoPrepareMinUsages.ShouldBe(new NpgsqlConnectionStringBuilder().AutoPrepareMinUsages);
    }

    [Theory]
    [InlineData("Max Auto Prepare=0", 0)]
    [InlineData("max auto prepare=7", 7)]
    [InlineData("MaxAutoPrepare=0", 0)]
    public void A_connection_string_that_sets_the_preparation_keeps_it(string setting, int expected) =>
        new NpgsqlConnectionStringBuilder(PersistenceRegistration.ForPooling($"{Plain};{setting}")).MaxAutoPrepare.ShouldBe(expected);

    [Fact]
    public void Pooled_connections_are_kept_alive_by_the_kernel_unless_the_string_says_otherwise()
    {
        var pooled = new NpgsqlConnectionStringBuilder(PersistenceRegistration.ForPooling(Plain));
        pooled.TcpKeepAlive.ShouldBeTrue();
        pooled.TcpKeepAliveTime.ShouldBe(30);
        pooled.KeepAlive.ShouldBe(0);

        new NpgsqlConnectionStringBuilder(PersistenceRegistration.ForPooling($"{Plain};Keepalive=15")).TcpKeepAliveTime.ShouldBe(0);
    }
}
