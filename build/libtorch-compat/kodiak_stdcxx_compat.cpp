// Provides std::ios_base_library_init(), which GCC 13's libstdc++ (GLIBCXX_3.4.32) added and
// TorchSharp's libLibTorchSharp.so calls from its static initialisers. Older libstdc++
// (Debian 12, Ubuntu 22.04) lacks it. All the real function does is make sure the standard
// streams are constructed, which a static std::ios_base::Init does on every libstdc++.
#include <ios>

namespace std
{
    __attribute__((visibility("default"))) void ios_base_library_init()
    {
        static ios_base::Init init;
    }
}
