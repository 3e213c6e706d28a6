# Homebrew formula for epollkq.  There is no release yet: before use, point
# url at a release tarball and set sha256 (`shasum -a 256 FILE`).
class Epollkq < Formula
  desc "Linux epoll API implemented on kqueue"
  homepage "https://example.org/epollkq/"
  # Placeholders: no release tarball exists yet.
  url "https://example.org/epollkq/epollkq-0.1.0.tar.gz"
  sha256 "0000000000000000000000000000000000000000000000000000000000000000"
  license :cannot_represent

  # The tarball is built from git: configure is generated here.
  depends_on "autoconf" => :build
  depends_on "automake" => :build
  depends_on "libtool" => :build
  # The test block runs pkg-config too.
  depends_on "pkg-config" => [:build, :test]
  # configure requires Check (PKG_CHECK_MODULES) even to build the library.
  depends_on "check" => :build

  def install
    system "autoreconf", "-fi"
    system "./configure", *std_configure_args
    system "make", "install"
  end

  test do
    # A plain Linux epoll program: a pipe made readable must be reported.
    (testpath/"t.c").write <<~C
      #include <sys/epoll.h>
      #include <unistd.h>
      int main(void) {
        int p[2], ep = epoll_create1(0);
        struct epoll_event ev = { .events = EPOLLIN }, out;
        if (ep < 0 || pipe(p) != 0) return 1;
        ev.data.fd = p[0];
        if (epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) != 0) return 2;
        if (write(p[1], "x", 1) != 1) return 3;
        if (epoll_wait(ep, &out, 1, 1000) != 1) return 4;
        return out.data.fd == p[0] && (out.events & EPOLLIN) ? 0 : 5;
      }
    C
    flags = shell_output("pkg-config --cflags --libs epollkq").chomp.split
    system ENV.cc, "t.c", "-o", "t", *flags
    system "./t"
  end
end
