namespace Payments.IntegrationTests.Fixtures;

/// <summary>Files of the repository the tests read as they are deployed (permissions, grants, compose file).</summary>
public static class RepositoryFiles
{
    /// <summary>The folder holding Payments.sln, found upwards from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Payments.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Payments.sln not found above " + AppContext.BaseDirectory);
    }
}
