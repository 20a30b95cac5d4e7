library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity TopModule is
  port (a, b : in std_logic_vector(7 downto 0); op : in std_logic_vector(2 downto 0);
        y : out std_logic_vector(7 downto 0); zero, carry : out std_logic);
end entity;

architecture rtl of TopModule is
  signal r : unsigned(7 downto 0);
begin
  process (a, b, op)
    variable add : unsigned(8 downto 0);
  begin
    add := resize(unsigned(a), 9) + resize(unsigned(b), 9);
    carry <= '0';
    case op is
      when "000" => r <= add(7 downto 0); carry <= add(8);
      when "001" =>
        r <= unsigned(a) - unsigned(b);
        if unsigned(a) < unsigned(b) then carry <= '1'; end if;
      when "010" => r <= unsigned(a and b);
      when "011" => r <= unsigned(a or b);
      when "100" => r <= unsigned(a xor b);
      when "101" =>
        if signed(a) < signed(b) then r <= to_unsigned(1, 8); else r <= to_unsigned(0, 8); end if;
      when "110" => r <= shift_left(unsigned(a), to_integer(unsigned(b(2 downto 0))));
      when others => r <= shift_right(unsigned(a), to_integer(unsigned(b(2 downto 0))));
    end case;
  end process;
  y <= std_logic_vector(r);
  zero <= '1' when r = 0 else '0';
end architecture;
