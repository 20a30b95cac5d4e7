library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- Subtle bug: op 11 rotates right instead of left.
entity TopModule is
  port (data : in std_logic_vector(7 downto 0); amt : in std_logic_vector(2 downto 0);
        op : in std_logic_vector(1 downto 0); y : out std_logic_vector(7 downto 0));
end entity;

architecture rtl of TopModule is
  signal n : natural range 0 to 7;
begin
  n <= to_integer(unsigned(amt));
  with op select y <=
    std_logic_vector(shift_left(unsigned(data), n)) when "00",
    std_logic_vector(shift_right(unsigned(data), n)) when "01",
    std_logic_vector(unsigned(data) srl n) when "10",
    std_logic_vector(rotate_right(unsigned(data), n)) when others;
end architecture;
