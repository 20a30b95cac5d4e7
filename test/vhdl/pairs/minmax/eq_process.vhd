library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- Equivalent: a running minimum and maximum over the four inputs in one process, with <= and >=.
entity TopModule is
  port (a, b, c, d : in unsigned(7 downto 0); min, max : out unsigned(7 downto 0));
end entity;

architecture rtl of TopModule is
begin
  process (a, b, c, d)
    type quad is array (0 to 3) of unsigned(7 downto 0);
    variable v : quad;
    variable lo, hi : unsigned(7 downto 0);
  begin
    v := (a, b, c, d);
    lo := v(0); hi := v(0);
    for i in 1 to 3 loop
      if v(i) <= lo then lo := v(i); end if;
      if v(i) >= hi then hi := v(i); end if;
    end loop;
    min <= lo; max <= hi;
  end process;
end architecture;
