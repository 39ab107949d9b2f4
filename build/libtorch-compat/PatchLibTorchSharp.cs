// MSBuild task (compiled by RoslynCodeTaskFactory) behind LibTorchCompat.targets: makes the
// output copy of TorchSharp's libLibTorchSharp.so load on a libstdc++ older than GCC 13's.
#nullable enable
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;

public sealed class KodiakPatchLibTorchSharp : Microsoft.Build.Utilities.Task
{
    const string MissingVersion = "GLIBCXX_3.4.32";
    const string MissingSymbol = "_ZSt21ios_base_library_initv";
    const string CompatName = "libkodiak_stdcxx_compat.so";

    public Microsoft.Build.Framework.ITaskItem[] Libraries { get; set; } = new Microsoft.Build.Framework.ITaskItem[0];
    public string CompatSource { get; set; } = "";
    public string WorkDir { get; set; } = "";

    public override bool Execute()
    {
        string? systemLib = FindSystemLibStdCxx();
        if (systemLib == null)
        {
            Log.LogWarning("Kodiak: could not find the system libstdc++.so.6; libLibTorchSharp.so left as shipped.");
            return true;
        }
        if (Contains(File.ReadAllBytes(systemLib), MissingVersion))
        {
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "Kodiak: " + systemLib + " has " + MissingVersion + "; no patch needed.");
            return true;
        }

        string? compat = null;
        foreach (var item in Libraries)
        {
            string lib = item.GetMetadata("FullPath");
            byte[] bytes = File.ReadAllBytes(lib);
            if (!Contains(bytes, MissingVersion)) continue;
            bool patched = Contains(bytes, CompatName);
            compat ??= BuildCompatLibrary();
            if (compat == null || (!patched && !Patch(lib))) return false;
            CopyIfChanged(compat, Path.Combine(Path.GetDirectoryName(lib)!, CompatName));
            if (!patched)
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                    "Kodiak: patched " + lib + " to load without " + MissingVersion + " (system libstdc++ is older than GCC 13).");
        }
        return true;
    }

    static string? FindSystemLibStdCxx()
    {
        var (code, output) = Run("ldconfig", "-p", quiet: true);
        if (code == 0)
        {
            foreach (string line in output.Split('\n'))
            {
                int arrow = line.IndexOf("=> ");
                if (line.TrimStart().StartsWith("libstdc++.so.6 ") && arrow > 0 && line.Contains("64"))
                    return line.Substring(arrow + 3).Trim();
            }
        }
        foreach (string dir in new[] { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib" })
        {
            string candidate = Path.Combine(dir, "libstdc++.so.6");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    string? BuildCompatLibrary()
    {
        Directory.CreateDirectory(WorkDir);
        string output = Path.GetFullPath(Path.Combine(WorkDir, CompatName));
        if (File.Exists(output) && File.GetLastWriteTimeUtc(output) >= File.GetLastWriteTimeUtc(CompatSource))
            return output;
        string compiler = Environment.GetEnvironmentVariable("CXX") ?? "g++";
        var (code, text) = Run(compiler, "-shared -fPIC -O2 -o \"" + output + "\" \"" + CompatSource + "\"", quiet: false);
        if (code == 0) return output;
        Log.LogError(code == -1
            ? "Kodiak: libtorch needs " + MissingVersion + ", which this system's libstdc++ lacks. Building the small compat library that fixes this needs a C++ compiler, and '" + compiler + "' was not found. Install one (Debian/Ubuntu: sudo apt-get install g++) or set CXX, then build again."
            : "Kodiak: compiling " + CompatSource + " with '" + compiler + "' failed:\n" + text);
        return null;
    }

    bool Patch(string lib)
    {
        string temp = lib + ".kodiak-tmp";
        File.Copy(lib, temp, overwrite: true);
        var (code, text) = Run("patchelf", "--clear-symbol-version " + MissingSymbol + " --add-needed " + CompatName + " \"" + temp + "\"", quiet: false);
        if (code != 0)
        {
            File.Delete(temp);
            Log.LogError(code == -1
                ? "Kodiak: libtorch needs " + MissingVersion + ", which this system's libstdc++ lacks. Patching libLibTorchSharp.so needs 'patchelf', which was not found. Install it (Debian/Ubuntu: sudo apt-get install patchelf), then build again."
                : "Kodiak: patchelf failed on " + lib + ":\n" + text);
            return false;
        }
        byte[] bytes = File.ReadAllBytes(temp);
        string? error = MarkVersionWeak(bytes, MissingVersion);
        if (error != null)
        {
            File.Delete(temp);
            Log.LogError("Kodiak: cannot patch " + lib + ": " + error);
            return false;
        }
        File.WriteAllBytes(temp, bytes);
        // Rename, never write in place: the output file may be a hard link into the package cache.
        File.Replace(temp, lib, null);
        return true;
    }

    /// <summary>Sets VER_FLG_WEAK on the named entry of .gnu.version_r in a 64-bit little-endian ELF.</summary>
    static string? MarkVersionWeak(byte[] elf, string version)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[4] != 2 || elf[5] != 1)
            return "not a 64-bit little-endian ELF file";
        long shoff = BitConverter.ToInt64(elf, 0x28);
        int shentsize = BitConverter.ToUInt16(elf, 0x3A), shnum = BitConverter.ToUInt16(elf, 0x3C);
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            if (BitConverter.ToUInt32(elf, (int)sh + 4) != 0x6ffffffe) continue; // SHT_GNU_verneed
            long offset = BitConverter.ToInt64(elf, (int)sh + 0x18);
            int link = (int)BitConverter.ToUInt32(elf, (int)sh + 0x28);
            long strtab = BitConverter.ToInt64(elf, (int)(shoff + (long)link * shentsize) + 0x18);
            long need = offset;
            while (true)
            {
                int count = BitConverter.ToUInt16(elf, (int)need + 2);
                long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (int a = 0; a < count; a++)
                {
                    if (ReadString(elf, strtab + BitConverter.ToUInt32(elf, (int)aux + 8)) == version)
                    {
                        elf[aux + 4] |= 0x2; // vna_flags |= VER_FLG_WEAK
                        return null;
                    }
                    aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                }
                uint next = BitConverter.ToUInt32(elf, (int)need + 12);
                if (next == 0) break;
                need += next;
            }
        }
        return "no version requirement named " + version;
    }

    static string ReadString(byte[] bytes, long start)
    {
        long end = start;
        while (bytes[end] != 0) end++;
        return Encoding.ASCII.GetString(bytes, (int)start, (int)(end - start));
    }

    static bool Contains(byte[] haystack, string needle)
    {
        byte[] n = Encoding.ASCII.GetBytes(needle);
        for (int i = Array.IndexOf(haystack, n[0]); i >= 0 && i <= haystack.Length - n.Length; i = Array.IndexOf(haystack, n[0], i + 1))
        {
            int k = 1;
            while (k < n.Length && haystack[i + k] == n[k]) k++;
            if (k == n.Length) return true;
        }
        return false;
    }

    static void CopyIfChanged(string source, string target)
    {
        if (File.Exists(target) && File.ReadAllBytes(target).SequenceEqual(File.ReadAllBytes(source))) return;
        File.Copy(source, target, overwrite: true);
    }

    /// <summary>Runs a program; exit code -1 means it could not be started (not installed).</summary>
    static (int Code, string Output) Run(string file, string arguments, bool quiet)
    {
        var info = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        try
        {
            using var process = Process.Start(info)!;
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, quiet ? stdout : stdout + stderr.Result);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (-1, "");
        }
    }
}
