library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- Equivalent VHDL candidate against the Verilog reference (mixed): every operation as a bit loop.
entity TopModule is
  port (data : in std_logic_vector(7 downto 0); amt : in std_logic_vector(2 downto 0);
        op : in std_logic_vector(1 downto 0); y : out std_logic_vector(7 downto 0));
end entity;

architecture rtl of TopModule is
begin
  process (data, amt, op)
    variable n : natural range 0 to 7;
    variable r : std_logic_vector(7 downto 0);
  begin
    n := to_integer(unsigned(amt));
    for i in 0 to 7 loop
      case op is
        when "00" => if i >= n then r(i) := data(i - n); else r(i) := '0'; end if;
        when "01" => if i + n <= 7 then r(i) := data(i + n); else r(i) := '0'; end if;
        when "10" => if i + n <= 7 then r(i) := data(i + n); else r(i) := data(7); end if;
        when others => r(i) := data((i - n) mod 8);
      end case;
    end loop;
    y <= r;
  end process;
end architecture;
