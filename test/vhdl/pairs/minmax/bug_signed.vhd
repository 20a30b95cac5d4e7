library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- Subtle bug: compares as signed numbers.
entity TopModule is
  port (a, b, c, d : in unsigned(7 downto 0); min, max : out unsigned(7 downto 0));
end entity;

architecture rtl of TopModule is
  function lo(x, y : unsigned) return unsigned is
  begin
    if signed(x) < signed(y) then return x; else return y; end if;
  end function;
  function hi(x, y : unsigned) return unsigned is
  begin
    if signed(x) > signed(y) then return x; else return y; end if;
  end function;
begin
  min <= lo(lo(a, b), lo(c, d));
  max <= hi(hi(a, b), hi(c, d));
end architecture;
