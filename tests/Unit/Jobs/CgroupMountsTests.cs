using ClaudeBatch.Infrastructure.Jobs;

namespace ClaudeBatch.Unit.Tests.Jobs;

/// <summary>Finding a process's cgroup folders from /proc/self/mountinfo and /proc/self/cgroup, as real hosts write them.</summary>
public sealed class CgroupMountsTests
{
    private const string Hybrid = """
        30 24 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
        40 30 0:37 / /sys/fs/cgroup/unified rw,relatime shared:10 - cgroup2 cgroup2 rw
        44 30 0:41 / /sys/fs/cgroup/memory rw,relatime shared:14 - cgroup cgroup rw,memory
        45 30 0:42 / /sys/fs/cgroup/pids rw,relatime shared:15 - cgroup cgroup rw,pids
        46 30 0:43 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:16 - cgroup cgroup rw,cpu,cpuacct
        """;

    private const string HybridMembership = """
        9:name=systemd:/
        8:pids:/
        4:memory:/process_api/fc5f
        2:cpu,cpuacct:/
        0::/
        """;

    [Fact]
    public void On_a_hybrid_host_v2_is_the_unified_mount_and_v1_controllers_have_their_own_folders()
    {
        var mounts = new CgroupMounts(Hybrid, HybridMembership);

        mounts.V2Folder().ShouldBe("/sys/fs/cgroup/unified");
        mounts.V1Folder("memory").ShouldBe("/sys/fs/cgroup/memory/process_api/fc5f");
        mounts.V1Folder("pids").ShouldBe("/sys/fs/cgroup/pids");
        mounts.V1Folder("cpuacct").ShouldBe("/sys/fs/cgroup/cpu,cpuacct");
        mounts.V1Folder("blkio").ShouldBeNull();
    }

    [Fact]
    public void A_systemd_service_on_a_unified_host_is_in_its_units_folder()
    {
        var mounts = new CgroupMounts(
            "35 25 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n",
            "0::/system.slice/claude-batch-server.service\n");

        mounts.V2Folder().ShouldBe("/sys/fs/cgroup/system.slice/claude-batch-server.service");
        mounts.V1Folder("memory").ShouldBeNull();
    }

    [Fact]
    public void A_mount_showing_part_of_the_tree_maps_the_path_below_its_root()
    {
        // A container without a cgroup namespace: its /sys/fs/cgroup shows only the container's own subtree.
        var mounts = new CgroupMounts(
            "600 590 0:30 /system.slice/docker-abc.scope /sys/fs/cgroup rw,nosuid - cgroup2 cgroup rw\n",
            "0::/system.slice/docker-abc.scope/inner\n");

        mounts.V2Folder().ShouldBe("/sys/fs/cgroup/inner");
    }

    [Fact]
    public void A_cgroup_outside_every_mount_or_no_cgroup2_mount_means_no_folder()
    {
        new CgroupMounts("600 590 0:30 /system.slice/other /sys/fs/cgroup rw - cgroup2 cgroup rw\n", "0::/system.slice/mine\n")
            .V2Folder().ShouldBeNull();
        new CgroupMounts(Hybrid.Replace("cgroup2 cgroup2", "tmpfs tmpfs"), HybridMembership).V2Folder().ShouldBeNull();
        new CgroupMounts(Hybrid, "8:pids:/\n").V2Folder().ShouldBeNull();
    }

    [Fact]
    public void Escaped_characters_in_mount_points_are_decoded()
    {
        var mounts = new CgroupMounts(@"40 30 0:37 / /mnt/cgroup\040v2 rw - cgroup2 cgroup2 rw" + "\n", "0::/a\n");

        mounts.V2Folder().ShouldBe("/mnt/cgroup v2/a");
    }
}
