library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (data : in std_logic_vector(7 downto 0); amt : in std_logic_vector(2 downto 0);
        op : in std_logic_vector(1 downto 0); y : out std_logic_vector(7 downto 0));
end entity;

architecture rtl of TopModule is
  -- Arithmetic right shift, bit by bit (GHDL 2.0's netlist of shift_right on signed with a variable amount does
  -- not reproduce its own simulation, so rtlgym would not trust it).
  function asr(v : std_logic_vector(7 downto 0); n : natural) return std_logic_vector is
    variable r : std_logic_vector(7 downto 0);
  begin
    for i in 0 to 7 loop
      if i + n <= 7 then r(i) := v(i + n); else r(i) := v(7); end if;
    end loop;
    return r;
  end function;
  signal n : natural range 0 to 7;
begin
  n <= to_integer(unsigned(amt));
  with op select y <=
    std_logic_vector(shift_left(unsigned(data), n)) when "00",
    std_logic_vector(shift_right(unsigned(data), n)) when "01",
    asr(data, n) when "10",
    std_logic_vector(rotate_left(unsigned(data), n)) when others;
end architecture;
