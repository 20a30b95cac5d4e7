library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- Equivalent, but GHDL 2.0's Verilog of shift_right on signed with a variable amount does not reproduce GHDL's own
-- simulation: validation refuses the translation and the native route (GHDL simulation of both) decides.
entity TopModule is
  port (data : in std_logic_vector(7 downto 0); amt : in std_logic_vector(2 downto 0);
        op : in std_logic_vector(1 downto 0); y : out std_logic_vector(7 downto 0));
end entity;

architecture rtl of TopModule is
begin
  process (data, amt, op)
    variable n : natural range 0 to 7;
  begin
    n := to_integer(unsigned(amt));
    case op is
      when "00" => y <= std_logic_vector(shift_left(unsigned(data), n));
      when "01" => y <= std_logic_vector(shift_right(unsigned(data), n));
      when "10" => y <= std_logic_vector(shift_right(signed(data), n));
      when others => y <= std_logic_vector(rotate_left(unsigned(data), n));
    end case;
  end process;
end architecture;
