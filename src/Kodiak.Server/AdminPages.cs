using System.Text;

namespace Kodiak.Server;

/// <summary>
/// The admin pages' files (monitor, review, rollout), embedded from wwwroot: <c>/NAME</c>, <c>/NAME/NAME.js</c> and
/// <c>/NAME/NAME.css</c>, the stylesheet served after the shared <c>admin.css</c> so their look is one copy.
/// </summary>
internal static class AdminPages
{
    /// <summary>Maps the page <paramref name="name"/> in <paramref name="group"/> (which asks for the admin token).</summary>
    public static void MapAdminPage(this RouteGroupBuilder group, string name)
    {
        group.MapGet($"/{name}", () => File($"{name}.html", "text/html; charset=utf-8")).ExcludeFromDescription();
        group.MapGet($"/{name}/{name}.js", () => File($"{name}.js", "text/javascript; charset=utf-8")).ExcludeFromDescription();
        group.MapGet($"/{name}/{name}.css", () => Results.Text(Text("admin.css") + "\n" + Text($"{name}.css"), "text/css; charset=utf-8"))
            .ExcludeFromDescription();
    }

    static IResult File(string file, string contentType) => Results.Stream(Resource(file), contentType);

    static string Text(string file)
    {
        using var reader = new StreamReader(Resource(file), Encoding.UTF8);
        return reader.ReadToEnd();
    }

    static Stream Resource(string file) => typeof(AdminPages).Assembly.GetManifestResourceStream($"wwwroot.{file}")!;
}
