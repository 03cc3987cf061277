// The integration tests drive Linux itself (setpriv, loop mounts, /proc, OS accounts): they run on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
